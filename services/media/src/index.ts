// @cpm/media: customer media into the content-addressed store, agent attachments under expiring public URLs.
export * from './config';
export * from './media';
export * from './media-handler';
export * from './media-downloader';
export * from './media-error';
export * from './address-class';
export * from './address-guard';
export * from './blob-store';
export * from './fs-blob-store';
export * from './pg-blob-store';
export * from './s3-blob-store';
export * from './content-sniffer';
export * from './public-attachments';
export * from './url-signer';
