/**
 * Tells a file's type from its first bytes, never from the sender's Content-Type or name.
 * An interface so a well-kept library (`file-type`, ESM-only today, which our CommonJS jest
 * cannot load) can replace the small sniffer below without touching the callers.
 */
export interface ContentSniffer {
  /** How many leading bytes `sniff` wants to see. */
  readonly headBytes: number;
  /** The MIME type of content starting with `head`, or null when not recognised. */
  sniff(head: Buffer): string | null;
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
  readonly headBytes = 64;

  sniff(head: Buffer): string | null {
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
    // Recognised so that they are refused by name in logs, never allowed by default.
    if (bytes(head, 0, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
    if (bytes(head, 0, [0x7f, 0x45, 0x4c, 0x46])) return 'application/x-elf';
    if (ascii(head, 0, 'MZ')) return 'application/x-msdownload';
    if (/^\s*<(!doctype html|html|svg|\?xml)/i.test(head.toString('latin1'))) return 'text/html';
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
];

/** A file extension for a sniffed type, for download names. */
export function extensionOf(contentType: string): string {
  const known: Record<string, string> = {
    'image/jpeg': 'jpg',
    'audio/mpeg': 'mp3',
    'audio/mp4': 'm4a',
    'video/3gpp': '3gp',
    'video/quicktime': 'mov',
  };
  return known[contentType] ?? contentType.split('/')[1] ?? 'bin';
}
