import { officeDocument, zipArchive } from '@cpm/testkit';
import { DEFAULT_ALLOWED_TYPES, extensionOf, MagicBytesSniffer } from './content-sniffer';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';

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
    [Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 'application/x-ole-storage'],
    ['\x7fELF', 'application/x-elf'],
    ['<!DOCTYPE html><html>', 'text/html'],
    ['hello, plain text', null], // NUL bytes follow: not text
  ])('%j is %s', (head, expected) => {
    expect(sniffer.sniff(pad(head))).toBe(expected);
  });

  const names = (...list: string[]) => zipArchive(list.map((name) => ({ name, data: '<x/>' })));
  it.each([
    [officeDocument('docx'), DOCX],
    [officeDocument('xlsx'), XLSX],
    [officeDocument('pptx'), PPTX],
    // Written by other tools, with the content types last.
    [
      names('docProps/app.xml', 'docProps/core.xml', 'xl/workbook.xml', '[Content_Types].xml'),
      XLSX,
    ],
    [officeDocument('docx', { macros: true }), 'application/vnd.ms-office.macroenabled'],
    [names('payload.exe', 'readme.txt'), 'application/zip'],
  ])('an Office Open XML document by its parts (%#)', (zip, expected) => {
    expect(sniffer.sniff(zip)).toBe(expected);
  });

  it.each([
    ['Meeting notes\nline two\r\n\ttabbed', 'text/plain'],
    ['\uFEFFmit BOM: Grüße, 日本', 'text/plain'],
    ['BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n', 'text/vcard'],
    ['#!/bin/sh\nrm -rf /\n', 'text/x-shellscript'],
    ['<?php system($_GET["c"]);', 'text/x-php'],
    ['<html><body>hi', 'text/html'],
    ['bell \x07 is binary', null],
  ])('text: %j is %s', (text, expected) => {
    expect(sniffer.sniff(Buffer.from(text, 'utf8'))).toBe(expected);
  });

  it('tells CSV from plain text only by what the sender declared, and never lets a declared type make other bytes pass', () => {
    const rows = Buffer.from('name,qty\nbox,2\n');
    expect(sniffer.sniff(rows)).toBe('text/plain');
    expect(sniffer.sniff(rows, { contentType: 'text/csv; charset=utf-8' })).toBe('text/csv');
    expect(sniffer.sniff(rows, { name: '/files/order.CSV' })).toBe('text/csv');
    expect(sniffer.sniff(Buffer.from('MZ\x90\x00'), { contentType: 'text/csv' })).toBe(
      'application/x-msdownload',
    );
    expect(sniffer.sniff(Buffer.from('#!/bin/sh\n'), { contentType: 'text/csv' })).toBe(
      'text/x-shellscript',
    );
  });

  it('accepts text whose head cut a character in two, not text cut elsewhere', () => {
    const head = Buffer.concat([Buffer.alloc(sniffer.headBytes - 1, 'a'), Buffer.from([0xc3])]);
    expect(sniffer.sniff(head)).toBe('text/plain');
    expect(sniffer.sniff(head.subarray(0, 100).fill(0xc3, 99))).toBeNull();
  });

  it('does not read past a short head', () => {
    expect(sniffer.sniff(Buffer.from('%PD'))).toBe('text/plain'); // three bytes of text, not a PDF
    expect(sniffer.sniff(Buffer.from([0x89, 0x50]))).toBeNull();
    expect(sniffer.sniff(Buffer.alloc(0))).toBeNull();
  });

  it('names extensions', () => {
    expect(extensionOf('image/jpeg')).toBe('jpg');
    expect(extensionOf('application/pdf')).toBe('pdf');
    expect([DOCX, XLSX, PPTX, 'text/plain', 'text/csv', 'text/vcard'].map(extensionOf)).toEqual([
      'docx',
      'xlsx',
      'pptx',
      'txt',
      'csv',
      'vcf',
    ]);
  });

  it('stores documents by default, never archives, programs, scripts, HTML or macros', () => {
    expect(DEFAULT_ALLOWED_TYPES).toEqual(
      expect.arrayContaining([DOCX, XLSX, PPTX, 'text/plain', 'text/csv', 'text/vcard']),
    );
    for (const refused of [
      'application/zip',
      'application/x-msdownload',
      'application/x-elf',
      'application/x-ole-storage',
      'application/vnd.ms-office.macroenabled',
      'text/html',
      'text/x-shellscript',
      'text/x-php',
    ])
      expect(DEFAULT_ALLOWED_TYPES).not.toContain(refused);
  });
});
