const BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  txt: 'text/plain',
};

/** The content type of an agent attachment, from its file name or URL (null when unknown). */
export function contentTypeOf(fileNameOrUrl: string | null): string | null {
  if (!fileNameOrUrl) return null;
  const path = fileNameOrUrl.split(/[?#]/)[0] ?? '';
  const extension = /\.([A-Za-z0-9]{1,8})$/.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? null : (BY_EXTENSION[extension] ?? null);
}
