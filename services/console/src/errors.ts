import { AppError } from '@cpm/platform';

/** A reply the console cannot turn into a command (missing text, template name, ...). */
export class InvalidReplyError extends AppError<'CPM_ERR_CONSOLE_INVALID_REPLY'> {
  constructor(message: string) {
    super('CPM_ERR_CONSOLE_INVALID_REPLY', message);
  }
}

/** A reply to a customer the console has not seen (no agent event for the key). */
export class UnknownConversationError extends AppError<'CPM_ERR_CONSOLE_UNKNOWN_CONVERSATION'> {
  constructor(customerKey: string) {
    super(
      'CPM_ERR_CONSOLE_UNKNOWN_CONVERSATION',
      `no conversation for customer key ${JSON.stringify(customerKey)}`,
    );
  }
}

/** The command could not be written to agent.commands.v1 (Kafka unavailable): try again. */
export class CommandNotWrittenError extends AppError<'CPM_ERR_CONSOLE_COMMAND_NOT_WRITTEN'> {
  constructor(cause: unknown) {
    super(
      'CPM_ERR_CONSOLE_COMMAND_NOT_WRITTEN',
      `the command was not written: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** A request to the console without a valid agent session: sign in at /login. */
export class NotSignedInError extends AppError<'CPM_ERR_CONSOLE_NOT_SIGNED_IN'> {
  constructor() {
    super(
      'CPM_ERR_CONSOLE_NOT_SIGNED_IN',
      'sign in first: POST /login with user and password, then send the session cookie',
    );
  }
}
