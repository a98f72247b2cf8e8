import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';

import { runReview } from '../../../constructs/review/cli';
import { synthStack } from '../../support/synth';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('runReview', () => {
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-cli-'));
    file = path.join(dir, 'cdk.tf.json');
    fs.writeFileSync(file, synthStack((stack) => new S3Bucket(stack, 'Bucket', { bucket: 'cli' })).text);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints resources and orders as text, and the same as JSON with --json', async () => {
    const text = capture();
    expect(await runReview([file], text.io)).toBe(0);
    expect(text.out()).toContain('- aws_s3_bucket (1): aws_s3_bucket.Bucket');
    const json = capture();
    expect(await runReview([file, '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({
      reportVersion: 1,
      stacks: [
        { stack: 'test', createOrder: ['aws_s3_bucket.Bucket'], destroyOrder: ['aws_s3_bucket.Bucket'] },
      ],
    });
  });

  test('fails with exit code 2 and what to pass when the input is missing', async () => {
    const run = capture();
    expect(await runReview([path.join(dir, 'missing')], run.io)).toBe(2);
    expect(run.err()).toContain('does not exist. Pass a cdktf synth output folder or a cdk.tf.json file.');
  });
});
