import { gzipSync } from 'node:zlib';

/**
 * The bad-input corpus of the ingress (issue 10): each case is a request and the answer it
 * must get. Run by services/ingress/src/bad-input.int.test.ts against a real ingress set up
 * with CORPUS_SECRETS and CORPUS_BODY_LIMIT. `quarantined`: the request must also be kept
 * on sinch.webhooks.rejected.v1 (signature failures and signed-but-unparseable bodies).
 */
export const CORPUS_SECRETS = ['corpus-secret-new', 'corpus-secret-old'] as const;
export const CORPUS_BODY_LIMIT = 256 * 1024;

/**
 * valid: signed with the first secret; rotated: with the second; none: no signature
 * headers; wrong: signed with another secret; duplicated: every signature header sent twice.
 */
export type Signing = 'valid' | 'rotated' | 'none' | 'wrong' | 'duplicated';

export interface CorpusRequest {
  method?: string; // POST
  path?: string; // the webhook path
  /** Content-Type; null: no header. Default application/json. */
  contentType?: string | null;
  body: Buffer | (() => Buffer);
  /** Bytes the signature is computed over, when they differ from the body sent. */
  signedBody?: Buffer;
  signing: Signing;
  /**
   * Applied after signing: a string replaces the header, null removes it, an array sends
   * several lines. `<valid>` stands for the header's correctly signed value; `=<value>`
   * sets the value and signs the request validly with it (for timestamps).
   */
  headers?: Record<string, string | string[] | null>;
  /** Trickle the body: this many chunks, this long apart. */
  slow?: { chunks: number; delayMs: number };
  /**
   * Send only this many bytes of the body, then: destroy the socket, end it (half-close),
   * or hold the connection open for holdMs and then destroy it (a stalled client).
   */
  cut?: { afterBytes: number; then: 'destroy' | 'end' | 'hold'; holdMs?: number };
}

export type CorpusExpectation =
  | { status: 200; code: 'ACCEPTED'; trigger?: string }
  | { status: number; code: string | null; quarantined: boolean }
  /** No answer is possible (the client gave up, or the server closed an incomplete request): the server must simply survive it. */
  | { status: 'none' };

export interface IngressCase {
  name: string;
  group: string;
  request: CorpusRequest;
  expect: CorpusExpectation;
}

const ACCEPTED = { status: 200, code: 'ACCEPTED' } as const;
const NOT_JSON = { status: 400, code: 'CPM_ERR_WEBHOOK_NOT_JSON', quarantined: true } as const;
const NOT_OBJECT = { status: 400, code: 'CPM_ERR_WEBHOOK_NOT_OBJECT', quarantined: true } as const;
const sigFail = (code: string) => ({ status: 401, code, quarantined: true }) as const;
const UNSUPPORTED_MEDIA = {
  status: 415,
  code: 'CPM_ERR_UNSUPPORTED_MEDIA_TYPE',
  quarantined: false,
} as const;
const TOO_LARGE = { status: 413, code: 'CPM_ERR_PAYLOAD_TOO_LARGE', quarantined: false } as const;
const NOT_FOUND = { status: 404, code: 'CPM_ERR_NOT_FOUND', quarantined: false } as const;

const b = (text: string): Buffer => Buffer.from(text, 'utf8');
const json = (value: unknown): Buffer => b(JSON.stringify(value));

/** A well-formed MESSAGE_INBOUND callback; `patch` edits the inner message or the envelope. */
export function callback(
  id: string,
  patch: { message?: Record<string, unknown>; envelope?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    app_id: 'app-corpus',
    project_id: 'proj',
    accepted_time: '2026-11-01T10:00:00.000Z',
    message: {
      id,
      direction: 'TO_APP',
      contact_message: { text_message: { text: `hello ${id}` } },
      channel_identity: { channel: 'WHATSAPP', identity: '46700000001', app_id: '' },
      contact_id: 'contact-corpus',
      conversation_id: 'conv-corpus',
      accept_time: '2026-11-01T10:00:00.000Z',
      ...patch.message,
    },
    ...patch.envelope,
  };
}
const withMessage = (id: string, message: Record<string, unknown>): Buffer =>
  json(callback(id, { message }));
const withEnvelope = (id: string, envelope: Record<string, unknown>): Buffer =>
  json(callback(id, { envelope }));
const nestedArrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number): string => '{"n":'.repeat(depth) + '1' + '}'.repeat(depth);
const text = (value: string): Buffer =>
  json(callback('unicode', { message: { contact_message: { text_message: { text: value } } } }));

const base = json(callback('base'));
const malformed = (name: string, body: Buffer | string): IngressCase => ({
  name,
  group: 'malformed JSON',
  request: { body: Buffer.isBuffer(body) ? body : b(body), signing: 'valid' },
  expect: NOT_JSON,
});
const nonObject = (name: string, body: string): IngressCase => ({
  name,
  group: 'non-object JSON',
  request: { body: b(body), signing: 'valid' },
  expect: NOT_OBJECT,
});
const accepted = (
  group: string,
  name: string,
  body: Buffer | (() => Buffer),
  trigger?: string,
): IngressCase => ({
  name,
  group,
  request: { body, signing: 'valid' },
  expect: trigger ? { ...ACCEPTED, trigger } : ACCEPTED,
});
const signature = (
  name: string,
  request: Omit<CorpusRequest, 'body'> & { body?: Buffer },
  expect: CorpusExpectation,
): IngressCase => ({
  name,
  group: 'signature',
  request: { body: base, ...request },
  expect,
});
const contentType = (
  name: string,
  value: string | null,
  expect: CorpusExpectation,
): IngressCase => ({
  name,
  group: 'content type',
  request: { body: base, signing: 'valid', contentType: value },
  expect,
});

export const INGRESS_CASES: IngressCase[] = [
  malformed('truncated object', '{"app_id":"a","message":{"id":"x"'),
  malformed('trailing comma', '{"app_id":"a",}'),
  malformed('single quotes', "{'app_id':'a'}"),
  malformed('NaN literal', '{"n":NaN}'),
  malformed('comments', '{"a":1 /* note */}'),
  malformed('two objects concatenated', '{"a":1}{"b":2}'),
  malformed('unquoted keys', '{app_id:"a"}'),
  malformed('raw NUL byte inside a string', b('{"a":"x\u0000y"}')),
  malformed('whitespace only', '  \n\t '),
  malformed(
    'invalid UTF-8 outside strings',
    Buffer.concat([b('{"a":1}'), Buffer.from([0xff, 0xfe])]),
  ),
  // The normalizer tolerates a BOM, the ingress does not: Sinch never sends one (noted in the report).
  malformed(
    'UTF-8 byte-order mark before the object',
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), base]),
  ),
  malformed('empty body, signed', Buffer.alloc(0)),
  malformed('unterminated string', '{"a":"b'),
  malformed('lone escaped backslash', '{"a":"\\"}'),

  nonObject('top-level array', '[{"app_id":"a"}]'),
  nonObject('top-level string', '"message"'),
  nonObject('top-level number', '42'),
  nonObject('top-level null', 'null'),
  nonObject('top-level boolean', 'true'),
  nonObject('array of callbacks', JSON.stringify([callback('a1'), callback('a2')])),

  accepted('wrong types', 'empty object', b('{}'), 'UNKNOWN'),
  accepted('wrong types', 'message is a string', withEnvelope('t1', { message: 'hello' })),
  accepted('wrong types', 'message is null', withEnvelope('t2', { message: null })),
  accepted('wrong types', 'message is an array', withEnvelope('t3', { message: [1, 2, 3] })),
  accepted('wrong types', 'app_id is a number', withEnvelope('t4', { app_id: 12345 })),
  accepted(
    'wrong types',
    'contact_id is an object',
    withMessage('t5', { contact_id: { id: 'c' } }),
  ),
  accepted(
    'wrong types',
    'accepted_time is a number',
    withEnvelope('t6', { accepted_time: 1_700_000_000 }),
  ),
  accepted(
    'wrong types',
    'accepted_time is garbage',
    withEnvelope('t7', { accepted_time: 'yesterday at noon' }),
  ),
  accepted(
    'wrong types',
    'channel_identity is an array',
    withMessage('t8', { channel_identity: ['WHATSAPP', '4670'] }),
  ),
  accepted(
    'wrong types',
    'text is a number',
    withMessage('t9', { contact_message: { text_message: { text: 12 } } }),
  ),
  accepted(
    'wrong types',
    'delivery report with a numeric status',
    json({ app_id: 'a', message_delivery_report: { message_id: 'm', status: 3 } }),
  ),
  accepted('wrong types', 'two trigger keys at once', withEnvelope('t10', { event: { id: 'e' } })),
  accepted(
    'wrong types',
    'unknown trigger key',
    json({ app_id: 'a', brand_new_notification: { x: 1 } }),
    'UNKNOWN',
  ),
  accepted('missing ids', 'no message id', withMessage('m1', { id: undefined })),
  accepted(
    'missing ids',
    'no contact or conversation id (DISPATCH mode)',
    withMessage('m2', { contact_id: '', conversation_id: '' }),
  ),
  accepted('missing ids', 'no app_id', withEnvelope('m3', { app_id: undefined })),
  accepted(
    'missing ids',
    'no channel identity',
    withMessage('m4', { channel_identity: undefined }),
  ),

  accepted('huge and deep', '200 KiB text, within the limit', () => text('x'.repeat(200 * 1024))),
  accepted('huge and deep', '5,000 metadata keys', () =>
    withMessage('h2', {
      metadata: JSON.stringify(
        Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
      ),
    }),
  ),
  accepted('huge and deep', 'arrays nested 5,000 deep in a field', () =>
    b(`{"app_id":"a","message":{"id":"h3","deep":${nestedArrays(5000)}}}`),
  ),
  accepted(
    'huge and deep',
    'objects nested 20,000 deep under an unknown key',
    () => b(`{"app_id":"a","mystery":${nestedObjects(20_000)}}`),
    'UNKNOWN',
  ),
  accepted(
    'huge and deep',
    'number literals out of range',
    b(
      '{"app_id":"a","message":{"id":"h5","big":1e400,"neg":-0,"long":123456789012345678901234567890}}',
    ),
  ),
  {
    name: 'body over the limit',
    group: 'oversized',
    request: { body: () => text('y'.repeat(CORPUS_BODY_LIMIT + 10)), signing: 'valid' },
    expect: TOO_LARGE,
  },
  {
    // express.raw refuses the length at once but answers only when the request has ended:
    // the client stalls 3 s and gives up; meanwhile the valid traffic must flow on.
    name: 'declared length of 50 MB, nothing sent, connection held',
    group: 'oversized',
    request: {
      body: Buffer.alloc(0),
      signing: 'valid',
      headers: { 'content-length': String(50 * 1024 * 1024) },
      cut: { afterBytes: 0, then: 'hold', holdMs: 3000 },
    },
    expect: { status: 'none' },
  },
  {
    name: 'gzip bomb (10 MB of zeros, inflated)',
    group: 'oversized',
    request: {
      body: () => gzipSync(Buffer.alloc(10 * 1024 * 1024)),
      signing: 'valid',
      headers: { 'content-encoding': 'gzip' },
    },
    expect: TOO_LARGE,
  },

  accepted(
    'unicode',
    'lone high surrogate, escaped',
    b('{"app_id":"a","message":{"id":"u1","contact_message":{"text_message":{"text":"\\ud800"}}}}'),
  ),
  accepted(
    'unicode',
    'lone low surrogate, escaped',
    b(
      '{"app_id":"a","message":{"id":"u2","contact_message":{"text_message":{"text":"x\\udfffy"}}}}',
    ),
  ),
  accepted('unicode', 'escaped NUL in text', text('a\u0000b')),
  accepted('unicode', 'right-to-left override', text('\u202Egnp.exe\u202C مرحبا שלום')),
  accepted('unicode', 'emoji ZWJ sequences and flags', text('👩‍👩‍👧‍👦🏳️‍🌈🇸🇪')),
  accepted(
    'unicode',
    'invalid UTF-8 inside a string',
    Buffer.concat([
      b('{"app_id":"a","message":{"id":"u6","x":"'),
      Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]),
      b('"}}'),
    ]),
  ),
  accepted(
    'unicode',
    'emoji in ids',
    withMessage('u7', { contact_id: '🙂', conversation_id: '会话' }),
  ),
  accepted('unicode', '10,000 combining marks', () => text('e' + '\u0301'.repeat(10_000))),
  accepted('unicode', 'BOM inside a string', text('\uFEFFhello')),

  signature('no signature headers', { signing: 'none' }, sigFail('CPM_ERR_SIGNATURE_MISSING')),
  signature('wrong secret', { signing: 'wrong' }, sigFail('CPM_ERR_SIGNATURE_MISMATCH')),
  signature(
    'signature of another body',
    { signing: 'valid', signedBody: json(callback('other')) },
    sigFail('CPM_ERR_SIGNATURE_MISMATCH'),
  ),
  signature(
    'body with a trailing newline added after signing',
    { signing: 'valid', body: Buffer.concat([base, b('\n')]), signedBody: base },
    sigFail('CPM_ERR_SIGNATURE_MISMATCH'),
  ),
  signature(
    'signature is not base64',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature': '%%%not-base64%%%' } },
    sigFail('CPM_ERR_SIGNATURE_MISMATCH'),
  ),
  signature(
    'empty signature header',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature': '' } },
    sigFail('CPM_ERR_SIGNATURE_MISSING'),
  ),
  signature(
    'no nonce',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-nonce': null } },
    sigFail('CPM_ERR_SIGNATURE_MISSING'),
  ),
  signature(
    'no timestamp',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': null } },
    sigFail('CPM_ERR_SIGNATURE_MISSING'),
  ),
  signature(
    'no algorithm',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-algorithm': null } },
    sigFail('CPM_ERR_SIGNATURE_MISSING'),
  ),
  signature(
    'algorithm HmacSHA1',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-algorithm': 'HmacSHA1' } },
    sigFail('CPM_ERR_SIGNATURE_ALGORITHM'),
  ),
  signature(
    'algorithm in lower case',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-algorithm': 'hmacsha256' } },
    sigFail('CPM_ERR_SIGNATURE_ALGORITHM'),
  ),
  signature(
    'every signature header duplicated',
    { signing: 'duplicated' },
    sigFail('CPM_ERR_SIGNATURE_ALGORITHM'),
  ),
  signature(
    'signature header twice, a wrong one first',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature': ['d3Jvbmc=', '<valid>'] } },
    sigFail('CPM_ERR_SIGNATURE_MISMATCH'),
  ),
  signature(
    'timestamp header twice',
    {
      signing: 'valid',
      headers: { 'x-sinch-webhook-signature-timestamp': ['<valid>', '<valid>'] },
    },
    sigFail('CPM_ERR_SIGNATURE_TIMESTAMP'),
  ),
  signature(
    'timestamp is text',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': 'yesterday' } },
    sigFail('CPM_ERR_SIGNATURE_TIMESTAMP'),
  ),
  signature(
    'timestamp is negative',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': '-1' } },
    sigFail('CPM_ERR_SIGNATURE_TIMESTAMP'),
  ),
  signature(
    'timestamp has a fraction',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': '1700000000.5' } },
    sigFail('CPM_ERR_SIGNATURE_TIMESTAMP'),
  ),
  signature(
    'timestamp of 16 digits',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': '1700000000000000' } },
    sigFail('CPM_ERR_SIGNATURE_TIMESTAMP'),
  ),
  signature(
    'validly signed, timestamp 0 (ancient): accepted, age recorded',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': '=0' } },
    ACCEPTED,
  ),
  signature(
    'validly signed, timestamp in milliseconds: accepted',
    { signing: 'valid', headers: { 'x-sinch-webhook-signature-timestamp': '=1700000000000' } },
    ACCEPTED,
  ),
  signature('signed with the older secret of a rotation', { signing: 'rotated' }, ACCEPTED),

  contentType('text/plain', 'text/plain', UNSUPPORTED_MEDIA),
  contentType('no content type', null, UNSUPPORTED_MEDIA),
  contentType('form-urlencoded', 'application/x-www-form-urlencoded', UNSUPPORTED_MEDIA),
  contentType('multipart', 'multipart/form-data; boundary=x', UNSUPPORTED_MEDIA),
  contentType('application/jsonp', 'application/jsonp', UNSUPPORTED_MEDIA),
  contentType('json with a charset', 'application/json; charset=utf-8', ACCEPTED),
  contentType('a +json media type', 'application/vnd.sinch+json', ACCEPTED),
  contentType('upper-case media type', 'APPLICATION/JSON', ACCEPTED),

  {
    name: 'GET on the webhook path',
    group: 'method and path',
    request: { method: 'GET', body: Buffer.alloc(0), signing: 'none' },
    expect: NOT_FOUND,
  },
  {
    name: 'PUT on the webhook path',
    group: 'method and path',
    request: { method: 'PUT', body: base, signing: 'valid' },
    expect: NOT_FOUND,
  },
  {
    name: 'POST to another path',
    group: 'method and path',
    request: { path: '/webhooks/other', body: base, signing: 'valid' },
    expect: NOT_FOUND,
  },
  {
    name: 'gzip encoding with a body that is not gzip',
    group: 'encoding',
    request: { body: base, signing: 'valid', headers: { 'content-encoding': 'gzip' } },
    expect: { status: 400, code: 'CPM_ERR_BAD_REQUEST', quarantined: false },
  },

  {
    name: 'body trickled in 12 chunks over ~2.4 s',
    group: 'slow',
    request: { body: base, signing: 'valid', slow: { chunks: 12, delayMs: 200 } },
    expect: ACCEPTED,
  },
  {
    name: 'client gives up mid-body (socket destroyed)',
    group: 'slow',
    request: {
      body: base,
      signing: 'valid',
      slow: { chunks: 4, delayMs: 200 },
      cut: { afterBytes: 40, then: 'destroy' },
    },
    expect: { status: 'none' },
  },
  {
    name: 'client half-closes before the declared length',
    group: 'slow',
    request: { body: base, signing: 'valid', cut: { afterBytes: 40, then: 'end' } },
    expect: { status: 'none' }, // node's HTTP server drops an incomplete request when the client ends it
  },
];

/**
 * A client that sends its headers and part of a body, then nothing: the server must close
 * it by itself (408) within its request timeout, INGRESS_REQUEST_TIMEOUT_MS.
 */
export const STALLED_CASE: IngressCase = {
  name: 'body stalled after 40 bytes (slow loris)',
  group: 'slow',
  request: {
    body: json(callback('stalled')),
    signing: 'valid',
    cut: { afterBytes: 40, then: 'hold', holdMs: 60_000 },
  },
  expect: { status: 408, code: null, quarantined: false }, // node's own answer, without a body
};
