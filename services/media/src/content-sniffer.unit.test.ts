import { extensionOf, MagicBytesSniffer } from './content-sniffer';

const sniffer = new MagicBytesSniffer();
const pad = (head: Buffer | string) =>
  Buffer.concat([Buffer.from(head as string, 'latin1'), Buffer.alloc(48)]);

describe('MagicBytesSniffer', () => {
  it.each([
    [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image/png'],
    [Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg'],
    ['GIF89a', 'image/gif'],
    ['RIFF\x00\x00\x00\x00WEBPVP8 ', 'image/webp'],
    ['%PDF-1.7\n', 'application/pdf'],
    ['OggS\x00\x02' + '\x00'.repeat(22) + 'OpusHead', 'audio/ogg'],
    ['#!AMR\n', 'audio/amr'],
    ['\x00\x00\x00\x18ftypmp42', 'video/mp4'],
    ['\x00\x00\x00\x18ftypisom', 'video/mp4'],
    ['\x00\x00\x00\x18ftypM4A ', 'audio/mp4'],
    ['\x00\x00\x00\x18ftyp3gp4', 'video/3gpp'],
    ['ID3\x04\x00', 'audio/mpeg'],
    [Buffer.from([0xff, 0xfb, 0x90, 0x64]), 'audio/mpeg'],
    [Buffer.from([0xff, 0xf1, 0x50, 0x80]), 'audio/aac'],
    ['PK\x03\x04', 'application/zip'],
    ['\x7fELF', 'application/x-elf'],
    ['<!DOCTYPE html><html>', 'text/html'],
    ['hello, plain text', null],
  ])('%j is %s', (head, expected) => {
    expect(sniffer.sniff(pad(head))).toBe(expected);
  });

  it('does not read past a short head', () => {
    expect(sniffer.sniff(Buffer.from('%PD'))).toBeNull();
    expect(sniffer.sniff(Buffer.alloc(0))).toBeNull();
  });

  it('names extensions', () => {
    expect(extensionOf('image/jpeg')).toBe('jpg');
    expect(extensionOf('application/pdf')).toBe('pdf');
  });
});
