import { AppError } from '@cpm/platform';

/** A record of an input topic that is not a value we can project (bad wire format, wrong schema). */
export class UnprojectableRecordError extends AppError<'CPM_ERR_UNPROJECTABLE_RECORD'> {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_UNPROJECTABLE_RECORD', message, { cause });
  }
}

/** The read API was asked something malformed (bad cursor or limit). */
export class BadQueryError extends AppError<'CPM_ERR_BAD_QUERY'> {
  constructor(message: string) {
    super('CPM_ERR_BAD_QUERY', message);
  }
}
