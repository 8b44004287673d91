import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readSchema, TOPICS } from '@cpm/kafka';
import { renderTopicsDoc } from './topics-doc';

/** Where the generated topic documentation lives (checked against the catalogue by a unit test). */
export const TOPICS_DOC_PATH = resolve(__dirname, '..', '..', '..', 'docs', 'TOPICS.md');

// Writes docs/TOPICS.md from the topic catalogue and the Avro schemas.
if (require.main === module) {
  mkdirSync(dirname(TOPICS_DOC_PATH), { recursive: true });
  writeFileSync(TOPICS_DOC_PATH, renderTopicsDoc(TOPICS, readSchema));
  console.log(`wrote ${TOPICS_DOC_PATH} (${TOPICS.length} topics)`);
}
