import { runService } from '@cpm/platform';
import { loadMediaConfig } from './config';
import { startMedia } from './media';

runService('media', loadMediaConfig, (config, logger) => startMedia(config, { logger }));
