/**
 * Tells a file's type from its first bytes, never from the sender's Content-Type or name,
 * except to tell plain-text kinds apart (CSV is text that says nothing of itself): a declared
 * type can only narrow `text/plain` to `text/csv`, never make bytes of another kind pass.
 * An interface so a well-kept library (`file-type`, ESM-only today, which our CommonJS jest
 * cannot load) can replace the small sniffer below without touching the callers.
 */
export interface ContentSniffer {
  /** How many leading bytes `sniff` wants to see. */
  readonly headBytes: number;
  /**
   * The MIME type of content starting with `head` (the whole content when shorter than
   * `headBytes`), or null when not recognised. `declared`: the sender's Content-Type or file
   * name, used only as said above.
   */
  sniff(
    head: Buffer,
    declared?: { contentType?: string | null; name?: string | null },
  ): string | null;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
/** Office documents with macros: recognised to be refused by name. */
const MACRO_ENABLED = 'application/vnd.ms-office.macroenabled';

/**
 * A ZIP archive by the names of its entries (local file headers within `head`): an Office
 * Open XML document has its part under `word/`, `xl/` or `ppt/`; one with a VBA project is
 * macro-enabled. Any other archive is `application/zip`.
 */
function zipKind(head: Buffer): string {
  const names: string[] = [];
  for (let at = head.indexOf('PK\x03\x04', 0, 'latin1'); at >= 0 && at + 30 <= head.length;) {
    const nameLength = head.readUInt16LE(at + 26);
    names.push(head.toString('latin1', at + 30, Math.min(head.length, at + 30 + nameLength)));
    at = head.indexOf('PK\x03\x04', at + 4, 'latin1');
  }
  if (names.some((n) => /(^|\/)vbaProject\.bin$/i.test(n))) return MACRO_ENABLED;
  const part = names.find((n) => /^(word|xl|ppt)\//.test(n));
  if (part?.startsWith('word/')) return DOCX;
  if (part?.startsWith('xl/')) return XLSX;
  if (part?.startsWith('ppt/')) return PPTX;
  return 'application/zip';
}

/**
 * Whether `head` is text: UTF-8 (a BOM allowed; a sequence cut by the end of a full head
 * too), no NUL and no control character but tab, line feed, form feed and carriage return.
 */
function isText(head: Buffer, full: boolean): boolean {
  if (head.length === 0) return false;
  const body = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  let end = body.length;
  if (full) {
    // Drop a multi-byte sequence the head cut short.
    let back = 0;
    while (back < 3 && end - back - 1 >= 0 && (body[end - back - 1]! & 0xc0) === 0x80) back++;
    const lead = body[end - back - 1];
    if (lead !== undefined && lead >= 0xc0) end -= back + 1;
  }
  const text = body.subarray(0, end);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(text);
  } catch {
    return false;
  }
  for (const b of text)
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f)
      return false;
  return true;
}

/** Plain text by what it says of itself, and CSV by what the sender declared. */
function textKind(
  head: Buffer,
  declared?: { contentType?: string | null; name?: string | null },
): string {
  const start = head
    .toString('utf8', 0, Math.min(head.length, 64))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (start.startsWith('#!')) return 'text/x-shellscript';
  if (/^<\?php/i.test(start)) return 'text/x-php';
  if (/^BEGIN:VCARD\r?\n/i.test(start)) return 'text/vcard';
  const type = declared?.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const csvName = /\.csv$/i.test(declared?.name?.split(/[?#]/)[0] ?? '');
  if (['text/csv', 'application/csv', 'text/comma-separated-values'].includes(type) || csvName)
    return 'text/csv';
  return 'text/plain';
}

const ascii = (head: Buffer, offset: number, text: string): boolean =>
  head.length >= offset + text.length &&
  head.toString('latin1', offset, offset + text.length) === text;
const bytes = (head: Buffer, offset: number, expected: number[]): boolean =>
  expected.every((b, i) => head[offset + i] === b);

const MP4_BRANDS: Record<string, string> = {
  'M4A ': 'audio/mp4',
  'M4B ': 'audio/mp4',
  'qt  ': 'video/quicktime',
  '3gp4': 'video/3gpp',
  '3gp5': 'video/3gpp',
  '3gp6': 'video/3gpp',
  '3g2a': 'video/3gpp2',
};

/**
 * Magic bytes of the media types customers send through the channels (images, PDF, voice
 * notes, video), plus a few common types that must be recognised in order to be refused.
 * Stand-in for a sniffing library; see ContentSniffer.
 */
export class MagicBytesSniffer implements ContentSniffer {
  /** Enough for the first entries of an Office document's ZIP (its parts' names). */
  readonly headBytes = 8192;

  sniff(
    head: Buffer,
    declared?: { contentType?: string | null; name?: string | null },
  ): string | null {
    if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
    if (bytes(head, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
    if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'image/gif';
    if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
    if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'audio/wav';
    if (ascii(head, 0, '%PDF-')) return 'application/pdf';
    if (ascii(head, 0, 'OggS'))
      return ascii(head, 28, '\x01video') || ascii(head, 29, 'theora') ? 'video/ogg' : 'audio/ogg';
    if (ascii(head, 0, '#!AMR-WB\n')) return 'audio/amr-wb';
    if (ascii(head, 0, '#!AMR\n')) return 'audio/amr';
    if (ascii(head, 4, 'ftyp')) return MP4_BRANDS[head.toString('latin1', 8, 12)] ?? 'video/mp4';
    if (ascii(head, 0, 'ID3')) return 'audio/mpeg';
    if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xf6) === 0xf0) return 'audio/aac'; // ADTS: sync word, layer 00
    if (
      head.length >= 2 &&
      head[0] === 0xff &&
      (head[1]! & 0xe0) === 0xe0 &&
      (head[1]! & 0x06) !== 0
    )
      return 'audio/mpeg'; // MPEG audio frame
    if (bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
    if (bytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return zipKind(head);
    // Recognised so that they are refused by name in logs, never allowed by default.
    if (bytes(head, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
      return 'application/x-ole-storage'; // legacy Office (.doc, .xls), where macros live
    if (bytes(head, 0, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
    if (ascii(head, 0, 'MZ')) return 'application/x-msdownload';
    if (/^\s*<(!doctype html|html|svg|\?xml)/i.test(head.toString('latin1'))) return 'text/html';
    if (isText(head, head.length >= this.headBytes)) return textKind(head, declared);
    return null;
  }
}

/** The types stored by default (MEDIA_ALLOWED_TYPES): what the channels deliver to agents. */
export const DEFAULT_ALLOWED_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'audio/ogg',
  'audio/mpeg',
  'audio/aac',
  'audio/mp4',
  'audio/amr',
  'video/mp4',
  'video/3gpp',
  // Documents (docs/DOMAIN.md#customer-media): Office Open XML without macros, text, CSV, vCard.
  DOCX,
  XLSX,
  PPTX,
  'text/plain',
  'text/csv',
  'text/vcard',
];

/** A file extension for a sniffed type, for download names. */
export function extensionOf(contentType: string): string {
  const known: Record<string, string> = {
    'image/jpeg': 'jpg',
    'audio/mpeg': 'mp3',
    'audio/mp4': 'm4a',
    'video/3gpp': '3gp',
    'video/quicktime': 'mov',
    [DOCX]: 'docx',
    [XLSX]: 'xlsx',
    [PPTX]: 'pptx',
    'text/plain': 'txt',
    'text/vcard': 'vcf',
  };
  return known[contentType] ?? contentType.split('/')[1] ?? 'bin';
}
