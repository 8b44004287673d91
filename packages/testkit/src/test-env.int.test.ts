import { createTestEnv, namespaceSubjects } from './test-env';

/** HTTP status of a subject's versions: 200 registered, 404 gone (with `?deleted=true`: gone for good). */
const status = async (registryUrl: string, subject: string, query = ''): Promise<number> =>
  (await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions${query}`)).status;

describe('a test namespace', () => {
  it('leaves no topics and no registry subjects behind after cleanup', async () => {
    const t = await createTestEnv({ database: false, partitions: 1 });
    const prefix = `${t.namespace}.`;
    const subjects = namespaceSubjects(t.namespace);
    expect(subjects.length).toBeGreaterThan(5);
    for (const s of subjects) expect([s, await status(t.registryUrl, s)]).toEqual([s, 200]);
    await t.cleanup();
    for (const s of subjects) {
      expect([s, await status(t.registryUrl, s)]).toEqual([s, 404]);
      // Deleted permanently, not only soft-deleted.
      expect([s, await status(t.registryUrl, s, '?deleted=true')]).toEqual([s, 404]);
    }
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((n) => n.startsWith(prefix))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
