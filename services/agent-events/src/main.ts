import { runService } from '@cpm/platform';
import { loadAgentEventsConfig } from './config';
import { startAgentEvents } from './agent-events';

runService('agent-events', loadAgentEventsConfig, startAgentEvents);
