import { runService } from '@cpm/platform';
import { loadOutboundConfig } from './config';
import { startOutbound } from './outbound';

runService('outbound', loadOutboundConfig, startOutbound);
