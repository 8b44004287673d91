import type { Kafka } from 'kafkajs';
import type { SchemaCodec } from '@cpm/kafka';
import { createLogger } from '@cpm/platform';
import { readmit } from './readmit';

describe('readmit', () => {
  it('refuses to run without a webhook secret: nothing is admitted unchecked', async () => {
    await expect(
      readmit({
        kafka: {} as Kafka,
        codec: {} as SchemaCodec,
        namespace: '',
        keyring: [],
        logger: createLogger('test', 'silent'),
        fromMs: null,
        toMs: null,
        dryRun: false,
      }),
    ).rejects.toMatchObject({
      code: 'CPM_ERR_REPLAY_USAGE',
      message: /nothing is admitted unchecked/,
    });
  });
});
