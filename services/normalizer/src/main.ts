import { runService } from '@cpm/platform';
import { loadNormalizerConfig } from './config';
import { startNormalizer } from './normalizer';

runService('normalizer', loadNormalizerConfig, startNormalizer);
