import { down } from '@cpm/infra';
import { stopContainers } from './containers';

export default async function globalTeardown(): Promise<void> {
  await stopContainers();
  if (process.env.CPM_TEST_STARTED_INFRA === '1' && process.env.KEEP_INFRA !== '1') await down();
}
