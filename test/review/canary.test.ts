import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';

import { runReview } from '../../review/cli';
import { synthStack } from '../support/synth';
import { exporterTask, secureBucket, writer } from '../constructs/aspects/fixtures';

const CANARY = 'canary-secret-5f1c2e9a';

describe('the review and its secrets', () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-canary-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('never prints a secret value, in text, JSON, SVG or Mermaid, also when a guard fails on it', async () => {
    const synthesized = synthStack((stack) => {
      writer(stack, secureBucket(stack, 'Bucket'));
      const secret = new SecretsmanagerSecret(stack, 'Kafka', { name: 'kafka' });
      new SecretsmanagerSecretVersion(stack, 'KafkaPassword', { secretId: secret.id, secretString: CANARY });
      // Violations that involve the canary: a plain secret-bearing variable with the canary as its value.
      exporterTask(stack, secret.arn, [{ name: 'BATCH_EXPORTER_KAFKA_SASL_PASSWORD', value: CANARY }]);
    });
    expect(synthesized.text).toContain(CANARY);
    const file = path.join(dir, 'cdk.tf.json');
    fs.writeFileSync(file, synthesized.text);
    const out = path.join(dir, 'out');
    const printed: string[] = [];
    const io = { stdout: (t: string) => printed.push(t), stderr: (t: string) => printed.push(t) };

    expect(await runReview([file, '--out', out], io)).toBe(1);
    expect(await runReview([file, '--json'], io)).toBe(1);

    const everything = [
      ...printed,
      ...fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), 'utf8')),
    ].join('\n');
    expect(everything).toContain(
      'sets the secret-bearing variable BATCH_EXPORTER_KAFKA_SASL_PASSWORD in plain environment (value not shown)',
    );
    expect(everything).not.toContain(CANARY);
  });
});
