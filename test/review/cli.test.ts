// These runs are about the guards and the report; checkov's part is test/review/checkov-cli.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { TerraformOutput } from 'cdktf';

import { ReviewReport } from '../../review/report';
import { runReview } from '../../review/cli';
import { secureBucket, writer } from '../constructs/aspects/fixtures';
import { libraryPipeline } from './library-stack';
import { capture, writePlan } from './review-run';

describe('runReview', () => {
  let dir: string;
  let pipeline: string;
  let leaky: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-cli-'));
    pipeline = writePlan(dir, 'pipeline', (stack) => libraryPipeline(stack, { prefix: 'events' }));
    leaky = writePlan(dir, 'leaky', (stack) => {
      new S3Bucket(stack, 'Bare', { bucket: 'bare' });
      const key = writer(stack, secureBucket(stack, 'Bucket'), {
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      });
      new TerraformOutput(stack, 'secret', { value: key.secret, sensitive: true });
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('passes the library pipeline with exit code 0 and prints every section as text', async () => {
    const run = capture();
    expect(await runReview(['--no-checkov', pipeline], run.io)).toBe(0);
    const text = run.out();
    expect(text).toMatch(/^Batch exporter plan review: PASSED/);
    for (const section of [
      '## Guards',
      '## Exporters',
      '## IAM permissions',
      '## Secrets',
      '## Resources by type',
      '## Create order',
      '## Destroy order',
    ]) {
      expect(text).toContain(section);
    }
    expect(text).toMatch(
      /chain: exporter aws_ecs_service\.\w+ -> sink aws_secretsmanager_secret\.\w+ -> key aws_iam_access_key\.\w+ -> user aws_iam_user\.\w+ -> bucket aws_s3_bucket\.\w+/,
    );
  });

  test('reports exporters, permissions, secrets and orders as JSON', async () => {
    const run = capture();
    expect(await runReview(['--no-checkov', pipeline, '--json'], run.io)).toBe(0);
    const report = JSON.parse(run.out()) as ReviewReport;
    expect(report).toMatchObject({ reportVersion: 1, passed: true });
    const [stack] = report.stacks;
    expect(stack.exporters).toEqual([
      expect.objectContaining({
        name: 's3-demo',
        stream: { name: 'demo', topic: 'demo', brokers: 'b-1.kafka.internal:9092' },
        sink: expect.objectContaining({
          credentials: 'access-key',
          credentialsSecret: expect.stringMatching(/^aws_secretsmanager_secret\./),
        }),
        intervalSeconds: '60',
        pathPrefix: 'events',
        consumers: '2',
      }),
    ]);
    const writerGrant = stack.permissions.find((g) => g.sinkWriter !== undefined)!;
    expect(writerGrant).toMatchObject({ principalKind: 'user', leastPrivilege: true });
    expect(writerGrant.statements.map((s) => [s.actions, s.resources])).toEqual([
      [['s3:GetBucketLocation'], [expect.stringMatching(/^arn:aws:s3:::\$\{aws_s3_bucket\.\w+\.bucket\}$/)]],
      [
        ['s3:PutObject'],
        [expect.stringMatching(/^arn:aws:s3:::\$\{aws_s3_bucket\.\w+\.bucket\}\/events\/\*\.jsonl$/)],
      ],
    ]);
    expect(stack.permissions.some((g) => g.attribute === 'assume_role_policy')).toBe(true);
    expect(stack.secrets.contained).toBe(true);
    expect(stack.secrets.accessKeys).toEqual([
      expect.objectContaining({
        pgp: false,
        secretConsumers: [
          expect.stringMatching(/^aws_secretsmanager_secret_version\.\w+ \(secret_string\)$/),
        ],
      }),
    ]);
    const destroy = stack.destroyOrder;
    const at = (type: string) => destroy.findIndex((a) => a.startsWith(`${type}.`));
    expect(at('aws_ecs_service')).toBeLessThan(at('aws_secretsmanager_secret'));
    expect(at('aws_secretsmanager_secret_version')).toBeLessThan(at('aws_iam_access_key'));
    expect(at('aws_iam_access_key')).toBeLessThan(at('aws_iam_user'));
    expect(at('aws_iam_access_key')).toBeLessThan(at('aws_iam_user_policy'));
    expect(destroy[destroy.length - 1]).toMatch(/^aws_(s3_bucket|secretsmanager_secret)\./);
    expect(stack.referencesOutsideStack).toEqual([]);
  });

  test('fails with exit code 1, marking what goes beyond least privilege and where the secret leaks', async () => {
    const run = capture();
    expect(await runReview(['--no-checkov', leaky, '--json'], run.io)).toBe(1);
    const report = JSON.parse(run.out()) as ReviewReport;
    const [stack] = report.stacks;
    expect(report.passed).toBe(false);
    expect(stack.guards.map((g) => [g.rule, g.passed])).toEqual([
      ['sink-writer-least-privilege', false],
      ['secure-bucket', false],
      ['no-plaintext-secrets', false],
    ]);
    const writerGrant = stack.permissions.find((g) => g.sinkWriter !== undefined)!;
    expect(writerGrant.leastPrivilege).toBe(false);
    expect(writerGrant.statements[0].beyondLeastPrivilege).toEqual(['allows the wildcard action "s3:*"']);
    expect(stack.secrets.contained).toBe(false);
    expect(stack.secrets.flows).toContainEqual({
      secret: expect.stringMatching(/^aws_iam_access_key\.\w+\.secret$/),
      usedBy: 'output.secret (value)',
      exposedIn: 'output',
    });
    const text = capture();
    expect(await runReview(['--no-checkov', leaky], text.io)).toBe(1);
    expect(text.out()).toMatch(/^Batch exporter plan review: FAILED/);
    expect(text.out()).toContain('- FAIL secure-bucket');
  });

  test('writes text, JSON, SVG and Mermaid with the exporter chain into --out', async () => {
    const out = path.join(dir, 'out');
    expect(await runReview(['--no-checkov', pipeline, '--out', out], capture().io)).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      'review.json',
      'review.txt',
      'test.graph.mmd',
      'test.graph.svg',
    ]);
    const mermaid = fs.readFileSync(path.join(out, 'test.graph.mmd'), 'utf8');
    expect(mermaid).toMatch(/^flowchart LR\n/);
    for (const role of ['sink', 'key', 'user', 'bucket'])
      expect(mermaid).toMatch(new RegExp(`n\\d+ ==>\\|${role}\\| n\\d+`));
    const svg = fs.readFileSync(path.join(out, 'test.graph.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('[exporter] Exporter/Service');
    expect(svg).toContain('[bucket] Bucket/Resource');
  });

  test('fails with exit code 2 and what to pass when the input is missing or the option unknown', async () => {
    const missing = capture();
    expect(await runReview(['--no-checkov', path.join(dir, 'missing')], missing.io)).toBe(2);
    expect(missing.err()).toContain(
      'does not exist. Pass a cdktf synth output folder or a cdk.tf.json file.',
    );
    const broken = path.join(dir, 'broken.tf.json');
    fs.writeFileSync(broken, '{"resource": ');
    const invalid = capture();
    expect(await runReview(['--no-checkov', broken], invalid.io)).toBe(2);
    expect(invalid.err()).toMatch(/broken\.tf\.json is not valid JSON: /);
    const notAFolder = capture();
    expect(await runReview(['--no-checkov', pipeline, '--out', pipeline], notAFolder.io)).toBe(2);
    expect(notAFolder.err()).toContain(`batch-exporter review: cannot write into ${pipeline}: `);
    const unknown = capture();
    expect(await runReview(['--no-checkov', pipeline, '--yaml'], unknown.io)).toBe(2);
    expect(unknown.err()).toContain("unknown option '--yaml'");
  });
});
