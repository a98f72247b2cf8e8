/**
 * Writes CONFIG_SCHEMA to runtime/config/config.schema.json, the published copy for editors and users
 * (`node dist/runtime/config/write-schema.js`); a test fails while the two differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_SCHEMA } from './schema';

export const PUBLISHED_SCHEMA_PATH = path.join('runtime', 'config', 'config.schema.json');

export function publishedSchemaText(): string {
  return `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(PUBLISHED_SCHEMA_PATH, publishedSchemaText());
  process.stdout.write(`wrote ${PUBLISHED_SCHEMA_PATH}\n`);
}
