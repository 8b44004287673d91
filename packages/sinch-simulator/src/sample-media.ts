/**
 * The files scripted customers "send": the simulator serves them at `/media/<fileName>`,
 * as a channel's CDN would. The PNG is a real 1×1 image; the PDF and OGG carry the right
 * magic bytes and structure markers for type checks, not playable content.
 */
export const SAMPLE_MEDIA = {
  png: {
    fileName: 'sample.png',
    contentType: 'image/png',
    bytes: Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    ),
  },
  pdf: {
    fileName: 'sample.pdf',
    contentType: 'application/pdf',
    bytes: Buffer.from(
      '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
      'latin1',
    ),
  },
  ogg: {
    fileName: 'sample.ogg',
    contentType: 'audio/ogg',
    // "OggS" capture pattern, version 0, BOS flag, then zeroed granule/serial/sequence/CRC and an empty segment table.
    bytes: Buffer.concat([
      Buffer.from('OggS', 'latin1'),
      Buffer.from([0, 2]),
      Buffer.alloc(20),
      Buffer.from([0]),
    ]),
  },
} as const;

export type SampleMediaKind = keyof typeof SAMPLE_MEDIA;
