import { createTestEnv } from './test-env';

const subjects = async (registryUrl: string, prefix: string): Promise<string[]> =>
  ((await (await fetch(`${registryUrl}/subjects`)).json()) as string[]).filter((s) =>
    s.startsWith(prefix),
  );

describe('a test namespace', () => {
  it('leaves no topics and no registry subjects behind after cleanup', async () => {
    const t = await createTestEnv({ database: false, partitions: 1 });
    const prefix = `${t.namespace}.`;
    expect((await subjects(t.registryUrl, prefix)).length).toBeGreaterThan(5);
    await t.cleanup();
    expect(await subjects(t.registryUrl, prefix)).toEqual([]);
    // Gone for good: the deleted subjects are not listed even with deleted ones.
    const all = (await (await fetch(`${t.registryUrl}/subjects?deleted=true`)).json()) as string[];
    expect(all.filter((s) => s.startsWith(prefix))).toEqual([]);
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((n) => n.startsWith(prefix))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
