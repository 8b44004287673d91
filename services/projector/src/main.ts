import { runService } from '@cpm/platform';
import { loadProjectorConfig } from './config';
import { startProjector } from './projector';

runService('projector', loadProjectorConfig, startProjector);
