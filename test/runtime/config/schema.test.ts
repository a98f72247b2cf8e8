import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { projectRoot } from '../../../local/project-root';
import { CONFIG_SCHEMA } from '../../../runtime/config/schema';
import { PUBLISHED_SCHEMA_PATH, publishedSchemaText } from '../../../runtime/config/write-schema';

describe('the published configuration schema', () => {
  const published = fs.readFileSync(path.join(projectRoot(), PUBLISHED_SCHEMA_PATH), 'utf8');

  test('is identical to the schema the loader validates with (regenerate: node dist/runtime/config/write-schema.js)', () => {
    // Compared as JSON: prettier may re-wrap the file's arrays.
    expect(JSON.parse(published)).toEqual(JSON.parse(publishedSchemaText()));
    expect(JSON.parse(published)).toEqual(CONFIG_SCHEMA);
  });

  test('compiles in strict mode and accepts the seed example as a file', () => {
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(published));
    const example = {
      $schema: './config.schema.json',
      exporterName: 's3-demo',
      stream: { name: 'demo', topic: 'clicks' },
      kafka: {
        brokers: ['b-1.kafka.internal:9098'],
        tls: true,
        sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
      },
      sink: { bucket: 'strmprivacy-export-demo', credentialsFile: 's3.json' },
      pathPrefix: 'events',
      intervalSeconds: 60,
    };
    expect(validate(example)).toBe(true);
  });

  test('rejects the prefixes the seed forbids', () => {
    const pattern = new RegExp(CONFIG_SCHEMA.properties.pathPrefix.pattern, 'u');
    for (const bad of ['/events', 'events/', 'a//b', '.', '..', 'a/./b', 'a/..', '../a', 'a\nb']) {
      expect({ prefix: bad, valid: pattern.test(bad) }).toEqual({ prefix: bad, valid: false });
    }
    for (const good of ['events', 'exports/clicks', 'a.b/c..d', '.hidden', '2021/03']) {
      expect({ prefix: good, valid: pattern.test(good) }).toEqual({ prefix: good, valid: true });
    }
  });
});
