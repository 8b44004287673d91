import { runService } from '@cpm/platform';
import { loadConsoleConfig } from './config';
import { startConsole } from './console';

runService('console', loadConsoleConfig, startConsole);
