import { runService } from '@cpm/platform';
import { loadIngressConfig } from './config';
import { startIngress } from './ingress';

runService('ingress', loadIngressConfig, startIngress);
