import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderErrorsDoc } from './errors-doc';

/** Where the generated list of error codes lives (checked against the catalogue by a unit test). */
export const ERRORS_DOC_PATH = resolve(__dirname, '..', '..', '..', 'docs', 'ERRORS.md');

// Writes docs/ERRORS.md from the catalogue.
if (require.main === module) {
  writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  console.log(`wrote ${ERRORS_DOC_PATH}`);
}
