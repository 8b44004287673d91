import { readFileSync } from 'node:fs';
import { readSchema, TOPICS } from '@cpm/kafka';
import { renderTopicsDoc } from './topics-doc';
import { TOPICS_DOC_PATH } from './topics-doc-cli';

describe('docs/TOPICS.md', () => {
  it('is what the generator writes from the catalogue and the schemas (run `npx tsx services/agent-events/src/topics-doc-cli.ts` after changing either)', () => {
    expect(readFileSync(TOPICS_DOC_PATH, 'utf8')).toBe(renderTopicsDoc(TOPICS, readSchema));
  });

  it('documents every topic with its key, retention, guarantees and every schema field with its doc', () => {
    const doc = renderTopicsDoc(TOPICS, readSchema);
    for (const t of TOPICS) expect(doc).toContain(`## ${t.name}\n\n${t.purpose}`);
    expect(doc).toContain('isolation.level=read_committed');
    expect(doc).toContain(
      '| `message.attachments[].status` | string | PENDING, READY or FAILED. |',
    );
    expect(doc).toContain(
      "| `attachedData` | map of string → string (optional) | The conversation's key-value metadata; absent on CONVERSATION_ENDED. |",
    );
    expect(doc).toMatch(/## agent\.events\.v1\n[\s\S]*?\*\*Retention\*\*: unlimited/);
  });
});
