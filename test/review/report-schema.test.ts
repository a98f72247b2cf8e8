import fs from 'node:fs';
import path from 'node:path';

import Ajv from 'ajv';

import { TerraformOutput } from 'cdktf';

import { StackGraph } from '../../review/plan/graph';
import { reviewStacks } from '../../review/report';
import { projectRoot } from '../../local/project-root';
import { synthStack } from '../support/synth';
import { secureBucket, writer } from '../constructs/aspects/fixtures';

describe('the review report JSON schema (docs/review-report.schema.json)', () => {
  const schema = JSON.parse(
    fs.readFileSync(path.join(projectRoot(), 'docs', 'review-report.schema.json'), 'utf8'),
  ) as object;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

  test.each(['s3-export', 'existing-bucket', 'gcs-export'])('accepts the checked-in %s report', (example) => {
    const report = JSON.parse(
      fs.readFileSync(path.join(projectRoot(), 'docs', 'review', example, 'review.json'), 'utf8'),
    ) as unknown;
    expect({ valid: validate(report), errors: validate.errors ?? [] }).toEqual({ valid: true, errors: [] });
  });

  test('accepts a failing report with findings, unreadable policies and exposed secrets', () => {
    const synthesized = synthStack((stack) => {
      const bucket = secureBucket(stack, 'Bucket', { lifecycle: false });
      const key = writer(stack, bucket, {
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', NotAction: 's3:DeleteObject', Resource: '*' }],
        },
      });
      new TerraformOutput(stack, 'leak', { value: key.secret, sensitive: true });
    });
    const report = JSON.parse(JSON.stringify(reviewStacks([StackGraph.fromJson(synthesized.text)]))) as {
      passed: boolean;
    };
    expect(report.passed).toBe(false);
    expect({ valid: validate(report), errors: validate.errors ?? [] }).toEqual({ valid: true, errors: [] });
  });

  test('rejects a report of another version or with a misspelt field', () => {
    expect(validate({ reportVersion: 2, passed: true, stacks: [] })).toBe(false);
    expect(validate({ reportVersion: 1, passed: true, stacks: [], pased: true })).toBe(false);
  });
});
