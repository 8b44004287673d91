import { AppError } from '@cpm/platform';

/** A command-line argument that cannot be used (bad time, unknown schema). */
export class ReplayUsageError extends AppError<'CPM_ERR_REPLAY_USAGE'> {
  constructor(message: string) {
    super('CPM_ERR_REPLAY_USAGE', message);
  }
}

/** The rebuilt schema could not catch up with the live projector in time for a swap. */
export class SwapNotCaughtUpError extends AppError<'CPM_ERR_SWAP_NOT_CAUGHT_UP'> {
  constructor(message: string) {
    super('CPM_ERR_SWAP_NOT_CAUGHT_UP', message);
  }
}

/** Other redrive runs of the same DLQ kept fencing this one; what any of them committed stands. */
export class RedriveConflictError extends AppError<'CPM_ERR_REDRIVE_CONFLICT'> {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_REDRIVE_CONFLICT', message, { cause });
  }
}
