/**
 * Every error code of the system, with what it means and what to do about it. A code is
 * stable: logs, DLQ records, HTTP answers and dashboards use it, so it is never renamed or
 * reused for another cause. docs/ERRORS.md is generated from this table (errors-doc.ts).
 *
 * - `retriable`: whether trying the same thing again can succeed. `'depends'` when the
 *   instance decides (an HTTP 503 from a media host is retried, a 404 is not); such errors
 *   say which when they are made.
 * - `httpStatus`: the status an HTTP endpoint answers with this code.
 * - The decision follows from `retriable`: a retriable error is retried (the batch, the
 *   send, the request by its client); any other error that fails a record sends it to the
 *   DLQ, and at an HTTP edge the request is refused.
 */
export interface ErrorEntry {
  readonly cause: string;
  readonly action: string;
  readonly retriable: boolean | 'depends';
  readonly httpStatus: number;
}

export const ERROR_CATALOGUE = {
  // Anywhere
  CPM_ERR_UNEXPECTED: {
    cause: 'An error the code did not foresee (a bug, or a library failing in a new way).',
    action:
      'Read the log line (it carries the stack); fix the cause or map the error to a code of its own.',
    retriable: false,
    httpStatus: 500,
  },
  CPM_ERR_CONFIG: {
    cause: 'An environment variable is missing or has a wrong value; the service refuses to start.',
    action:
      "Fix the variable named in the message; each service's `src/config.ts` lists its settings and defaults.",
    retriable: false,
    httpStatus: 500,
  },
  CPM_ERR_BAD_REQUEST: {
    cause:
      'The HTTP request could not be read: a body that is not valid for its content type, or a request aborted while it was read.',
    action: "Fix the client's request.",
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_NOT_FOUND: {
    cause: 'No endpoint at this method and path.',
    action:
      "Check the client's URL and method (the ingress takes POST on `INGRESS_WEBHOOK_PATH` only).",
    retriable: false,
    httpStatus: 404,
  },
  CPM_ERR_UNAUTHORIZED: {
    cause: 'A protected endpoint was called without the right bearer token.',
    action: 'Send `Authorization: Bearer <MEDIA_AGENT_TOKEN>`.',
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_PAYLOAD_TOO_LARGE: {
    cause:
      'The request body is larger than the endpoint accepts (`INGRESS_BODY_LIMIT_BYTES` at the ingress).',
    action: 'Send a smaller body, or raise the limit if such bodies are legitimate.',
    retriable: false,
    httpStatus: 413,
  },
  CPM_ERR_UNSUPPORTED_MEDIA_TYPE: {
    cause: 'The request is not `application/json` (or `application/*+json`).',
    action: 'Send JSON with a JSON content type.',
    retriable: false,
    httpStatus: 415,
  },

  // Ingress
  CPM_ERR_SIGNATURE_MISSING: {
    cause: 'A webhook without one of the `x-sinch-webhook-signature*` headers.',
    action:
      "Configure a secret on the Sinch app's webhook, or find who else posts to the endpoint. The request is kept on sinch.webhooks.rejected.v1.",
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_SIGNATURE_ALGORITHM: {
    cause: 'A webhook signed with an algorithm other than HmacSHA256.',
    action:
      'Find the sender: Sinch signs with HmacSHA256. The request is kept on sinch.webhooks.rejected.v1.',
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_SIGNATURE_TIMESTAMP: {
    cause: 'The signature timestamp header is not epoch seconds.',
    action:
      'Find the sender: Sinch sends epoch seconds. The request is kept on sinch.webhooks.rejected.v1.',
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_SIGNATURE_MISMATCH: {
    cause:
      'The signature matches none of the webhook secrets valid at receipt (`SINCH_WEBHOOK_SECRETS`, or `SINCH_WEBHOOK_KEYRING` and its validity windows), or no secret of the keyring is valid then.',
    action:
      "Compare the secret of the app's webhook with the configured ones (during a rotation list both, newest first, or give each a window in the keyring). Refused callbacks are kept on sinch.webhooks.rejected.v1: once the secret is fixed, `npm run replay -- readmit` admits them.",
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_SIGNATURE_OUTSIDE_WINDOW: {
    cause: 'The signature is older (or newer) than `SIGNATURE_MAX_AGE_SECONDS` allows.',
    action:
      'Check the clocks, or widen or unset `SIGNATURE_MAX_AGE_SECONDS` (unset by default: Sinch retries old callbacks).',
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_INGRESS_BUSY: {
    cause:
      'The requests the ingress holds at once would pass `INGRESS_MAX_INFLIGHT_BYTES`; refused before the body is read, with Retry-After.',
    action:
      'Sinch retries by itself. If it happens under normal traffic, add ingress instances or raise the limit (and the heap with it).',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_WEBHOOK_NOT_STORED: {
    cause:
      'The ingress failed in an unforeseen way before Kafka acknowledged the webhook; nothing was acknowledged.',
    action: 'Sinch retries by itself. Read the log line of the failure (logged as an error).',
    retriable: true,
    httpStatus: 503,
  },

  // Webhook and record contents (the ingress answers them; in a consumer they send the record to the DLQ)
  CPM_ERR_WEBHOOK_NOT_JSON: {
    cause: 'A webhook body that is not JSON.',
    action:
      'At the ingress: the sender must send JSON (the request is kept on sinch.webhooks.rejected.v1). On the raw log: the record was written by something other than the ingress; see its DLQ record.',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_WEBHOOK_NOT_OBJECT: {
    cause: 'A webhook body that is JSON but not an object (an array, a string, a number, null).',
    action: 'As for CPM_ERR_WEBHOOK_NOT_JSON.',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_OUTBOUND_INVALID: {
    cause:
      'A sinch.outbound.v1 record that breaks its contract (an outcome or a time the normalizer does not know).',
    action:
      'Find the writer of the record (the outbound service of another version?); the record is on conversation.events.v1.dlq.',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_EMPTY_RECORD: {
    cause: 'A record without a value (a tombstone) on a topic that never has one.',
    action: 'Find who wrote it (the DLQ record names the source topic, partition and offset).',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_RECORD_UNDECODABLE: {
    cause:
      'A record that is not Avro in the Confluent wire format, or whose schema id the registry does not know.',
    action:
      'Find who wrote it (the DLQ record names the source position and keeps the bytes); records of this system are written through SchemaCodec.',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_UNPROJECTABLE_RECORD: {
    cause:
      'The projector cannot turn a record into rows (no value, not a conversation event or media outcome).',
    action:
      'The record is on the projector DLQ with its source position; fix the writer, then replay it.',
    retriable: false,
    httpStatus: 400,
  },

  // Kafka and the Schema Registry
  CPM_ERR_KAFKA_UNAVAILABLE: {
    cause:
      'Kafka did not acknowledge a send in time (`INGRESS_KAFKA_TIMEOUT_MS` at the ingress), or the producer is shutting down.',
    action:
      'Retried (Sinch retries a webhook answered 503). If it persists, check the brokers and `KAFKA_BROKERS`.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_SCHEMA_REGISTRY: {
    cause: 'The Schema Registry did not answer, or a topic has no registered schema id.',
    action:
      'Retried; start-up waits for the registry (`SCHEMA_REGISTRY_WAIT_MS`). Check the registry and `SCHEMA_REGISTRY_URL`.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_SCHEMA_INCOMPATIBLE: {
    cause:
      'A schema in `schemas/` is not BACKWARD compatible with the one registered; the service refuses to start.',
    action:
      'Add fields with defaults instead of changing or removing them, or publish a new topic version (.v2).',
    retriable: false,
    httpStatus: 500,
  },
  CPM_ERR_CHANGELOG_RESTORE: {
    cause:
      'Reading a changelog to its end made no progress within the bound; processing waits rather than start from partial state.',
    action:
      'Retried with the next batch. If it persists, check that the broker is healthy and the changelog partitions have a leader.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_CHANGELOG_PARTITIONS: {
    cause: 'A changelog has another number of partitions than its inputs.',
    action:
      'Give the changelog as many partitions as its inputs (`kafka-topics.sh --alter --partitions`), or recreate both.',
    retriable: false,
    httpStatus: 500,
  },
  CPM_ERR_CHANGELOG_SEAL: {
    cause:
      'The seal committed to a changelog did not become readable in time: a transaction is left open on that partition.',
    action:
      'Retried with the next batch. If it persists, find it with `kafka-transactions.sh find-hanging` and close it with its `abort` command.',
    retriable: true,
    httpStatus: 503,
  },

  // PostgreSQL
  CPM_ERR_DATABASE_UNAVAILABLE: {
    cause: 'PostgreSQL did not answer within `POSTGRES_WAIT_MS`.',
    action:
      'Check that PostgreSQL runs and that `DATABASE_URL` points to it; the service retries by itself.',
    retriable: true,
    httpStatus: 503,
  },

  // The Sinch Conversation API
  CPM_ERR_SINCH_REFUSED: {
    cause:
      'The Conversation API refused the call (HTTP 4xx other than 429); `apiStatus` has its reason (INVALID_ARGUMENT, NOT_FOUND, ...).',
    action:
      'Not retried: the send is recorded FAILED with that reason. Fix the request, the credentials or the app settings the message names.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_SINCH_UNAVAILABLE: {
    cause:
      'The Conversation API answered 5xx or 429, or could not be reached (network error, timeout).',
    action:
      'Retried with backoff; a send that exhausts its attempts is recorded FAILED. If it persists, check the Sinch status page and `SINCH_REGION`.',
    retriable: true,
    httpStatus: 502,
  },
  CPM_ERR_SINCH_BAD_RESPONSE: {
    cause:
      'The Conversation API answered 200 without the fields the call needs (a send without `message_id`).',
    action: 'Not retried (the message may have been sent). Report it with the logged response.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_SINCH_UNEXPECTED: {
    cause: 'The Sinch SDK failed in a way that is neither an API answer nor a network failure.',
    action:
      'Not retried. Read the message; an SDK upgrade may have changed its errors (packages/sinch-api/src/sinch-api-error.ts maps them).',
    retriable: false,
    httpStatus: 502,
  },

  // Media
  CPM_ERR_MEDIA_TOO_LARGE: {
    cause: 'An attachment (downloaded or uploaded) is larger than `MEDIA_MAX_BYTES`.',
    action:
      'Final: recorded FAILED with reason TOO_LARGE (uploads: 413). Raise the limit if such files are legitimate.',
    retriable: false,
    httpStatus: 413,
  },
  CPM_ERR_MEDIA_TYPE_NOT_ALLOWED: {
    cause: 'The content of an attachment (sniffed, not declared) is not an allowed type.',
    action:
      'Final: recorded FAILED with reason TYPE_NOT_ALLOWED (uploads: 415). Add it to `MEDIA_ALLOWED_TYPES` if it is legitimate.',
    retriable: false,
    httpStatus: 415,
  },
  CPM_ERR_MEDIA_BLOCKED_ADDRESS: {
    cause: 'A media URL resolves to a private, loopback or otherwise internal address.',
    action: 'Final. If the host is trusted, add it to `MEDIA_ALLOWED_HOSTS`.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_BLOCKED_SCHEME: {
    cause: 'A media URL that is neither http nor https.',
    action: 'Final: nothing to do on our side.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_INVALID_URL: {
    cause: 'A media URL that cannot be parsed.',
    action: 'Final: nothing to do on our side.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_TOO_MANY_REDIRECTS: {
    cause: 'A media download was redirected more often than allowed.',
    action: 'Final. Check the host; raise `MEDIA_MAX_REDIRECTS` if its redirects are legitimate.',
    retriable: false,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_DNS_FAILED: {
    cause: 'The host of a media URL could not be resolved.',
    action:
      'Retried when the resolver failed for now (EAI_AGAIN), final otherwise. Check DNS from the media service.',
    retriable: 'depends',
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_TIMEOUT: {
    cause: 'A media host did not connect or stopped sending within the timeouts.',
    action: 'Retried; recorded FAILED when the attempts are exhausted.',
    retriable: true,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_NETWORK_ERROR: {
    cause: 'A media download failed on the network (connection refused or reset).',
    action: 'Retried; recorded FAILED when the attempts are exhausted.',
    retriable: true,
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_HTTP: {
    cause: 'A media host answered other than 2xx; the reason on the record is `HTTP_<status>`.',
    action:
      'A 5xx is retried; a 4xx is final (a CDN link expires: Sinch links live for a limited time).',
    retriable: 'depends',
    httpStatus: 502,
  },
  CPM_ERR_MEDIA_STORE: {
    cause:
      'The media store failed: PostgreSQL or the S3 bucket did not answer or refused (`MEDIA_STORE`), or the local directory is full or not writable.',
    action:
      'Retried, nothing is lost. Check the store `MEDIA_STORE` names: `DATABASE_URL`, the `MEDIA_S3_*` settings and bucket, or the disk of `MEDIA_STORE_DIR`.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_MEDIA_NOT_FOUND: {
    cause: 'No stored file for this key or id.',
    action:
      'The attachment is not downloaded yet, failed (see its media outcome), or the link is wrong.',
    retriable: false,
    httpStatus: 404,
  },
  CPM_ERR_MEDIA_EXPIRED: {
    cause: 'A public attachment link past its expiry, or with a wrong signature.',
    action: 'Upload the file again for a new link.',
    retriable: false,
    httpStatus: 410,
  },

  // Projection schemas
  CPM_ERR_SCHEMA_OF_OTHER_NAMESPACE: {
    cause:
      "A projection schema already projects another topic namespace (its table topic_namespace); its stored offsets and audit index name topics without their namespace, so they would be read as this one's.",
    action:
      'Give each TOPIC_NAMESPACE a PROJECTION_SCHEMA (or a database) of its own, or drop the schema if it is left over from another deployment or a demo.',
    retriable: false,
    httpStatus: 500,
  },

  // Projector read API
  CPM_ERR_BAD_QUERY: {
    cause: 'The read API was asked something malformed (a bad cursor or limit).',
    action: "Fix the client's query (services/projector/README.md).",
    retriable: false,
    httpStatus: 400,
  },

  // Console
  CPM_ERR_TOPIC_READ: {
    cause:
      'A read of a topic to its end (a restore, a replay, an audit, the look-up log) failed or made no progress; nothing read is used as complete.',
    action:
      'Retried when the cause is (a broker restart, a leader election); if it persists, check that the broker is healthy and every partition has a leader.',
    retriable: 'depends',
    httpStatus: 503,
  },
  CPM_ERR_CONSOLE_INVALID_REPLY: {
    cause: 'A reply from the agent console that is not a valid command.',
    action: "Fix the console's request (the message says which field).",
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_CONSOLE_UNKNOWN_CONVERSATION: {
    cause: 'A reply to a customer the console has not seen (no agent event for the key).',
    action: 'Reload the console; the conversation may be older than what it keeps.',
    retriable: false,
    httpStatus: 404,
  },
  CPM_ERR_CONSOLE_COMMAND_NOT_WRITTEN: {
    cause: 'The agent command could not be written to agent.commands.v1 (Kafka unavailable).',
    action: 'Try again; check Kafka if it persists.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_CONSOLE_NOT_SIGNED_IN: {
    cause: 'A request to the agent console without a valid session (none, forged, or expired).',
    action: 'Sign in at `/login` (users in `CONSOLE_USERS`); the page sends you there by itself.',
    retriable: false,
    httpStatus: 401,
  },
  CPM_ERR_CONSOLE_MEDIA_UNAVAILABLE: {
    cause: 'The console could not reach the media service for an attachment.',
    action: 'Check that the media service runs and `CONSOLE_MEDIA_URL` points to it.',
    retriable: true,
    httpStatus: 502,
  },

  // Replay
  CPM_ERR_REPLAY_USAGE: {
    cause: 'The replay command was called with wrong arguments.',
    action: 'Run `npm run replay -- --help`.',
    retriable: false,
    httpStatus: 400,
  },
  CPM_ERR_SWAP_NOT_CAUGHT_UP: {
    cause: 'The rebuilt schema did not catch up with the live projector in time for the swap.',
    action:
      'Run the rebuild again (the live tables were not touched), at a quieter time if the load is high.',
    retriable: true,
    httpStatus: 503,
  },
  CPM_ERR_REDRIVE_CONFLICT: {
    cause:
      'Other `replay redrive` runs of the same DLQ kept taking over this one (they share a transactional id, so only one writes at a time).',
    action:
      'Run the redrive again: what the other runs committed is on `replay.redrives.v1` and is not redriven twice.',
    retriable: true,
    httpStatus: 409,
  },
} as const satisfies Record<`CPM_ERR_${string}`, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes whose retriability the error itself decides. */
export type ErrorCodeWithChoice = {
  [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['retriable'] extends 'depends' ? C : never;
}[ErrorCode];
