/**
 * `batch-exporter review` with checkov: its results in the text and JSON report and in the exit code, the
 * one line without it, and one clear line with a non-zero exit for a broken checkov or a plan it cannot read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Ajv from 'ajv';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';

import { CHECKOV_VERSION } from '../../review/checkov';
import { CHECKOV_NOT_INSTALLED } from '../../review/checkov-review';
import { runReview } from '../../review/cli';
import { ReviewReport } from '../../review/report';
import { projectRoot } from '../../local/project-root';
import { pinnedCheckov } from '../support/checkov';
import { libraryPipeline } from './library-stack';
import { capture, writePlan } from './review-run';

describe('batch-exporter review with checkov', () => {
  let dir: string;
  let pipeline: string;
  let unrotatedKey: string;
  let checkov: string;
  const schema = JSON.parse(
    fs.readFileSync(path.join(projectRoot(), 'docs', 'review-report.schema.json'), 'utf8'),
  ) as object;
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  };

  beforeAll(() => {
    checkov = pinnedCheckov().command;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-checkov-'));
    pipeline = writePlan(dir, 'pipeline', (stack) => libraryPipeline(stack, { prefix: 'events' }));
    unrotatedKey = writePlan(dir, 'unrotated-key', (stack) => {
      libraryPipeline(stack);
      new KmsKey(stack, 'OwnKey', { description: 'a key of the user, without rotation' });
      // The user's own log group: the library's skip of CKV_AWS_158 is for its Exporter/Logs only.
      new CloudwatchLogGroup(stack, 'AppLogs', { name: 'app', retentionInDays: 365 });
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('folds passed, failed and skipped-with-reasons into the JSON report and passes the library pipeline', async () => {
    const run = capture();
    expect(await runReview([pipeline, '--json', '--checkov', checkov], run.io)).toBe(0);
    const report = JSON.parse(run.out()) as ReviewReport;
    expect({ valid: validate(report), errors: validate.errors ?? [] }).toEqual({ valid: true, errors: [] });
    expect(report.passed).toBe(true);
    const result = report.checkov!;
    if (result.status !== 'ran') throw new Error(`checkov did not run: ${result.message}`);
    expect(result.version).toBe(CHECKOV_VERSION);
    expect(result.failed).toEqual([]);
    expect(result.summary).toEqual({
      passed: result.passed.length,
      failed: 0,
      skipped: result.skipped.length,
    });
    expect(result.passed.length).toBeGreaterThan(20);
    expect(result.skipped).toContainEqual({
      check: 'CKV_AWS_273',
      name: 'Ensure access is controlled through SSO and not AWS IAM defined users',
      target: 'test',
      address: expect.stringMatching(/^aws_iam_user\.Writer_User_/),
      constructPath: 'test/Writer/User',
      reason: expect.stringContaining('WriterMode.TASK_ROLE'),
    });
  });

  test("fails with exit code 1 and names the checks when checkov fails ones no skip covers, also on the user's own resources", async () => {
    const run = capture();
    const out = path.join(dir, 'unrotated-review');
    // One checkov run for both reports: --out writes the JSON next to the printed text.
    expect(await runReview([unrotatedKey, '--out', out, '--checkov', checkov], run.io)).toBe(1);
    const text = run.out();
    expect(fs.readFileSync(path.join(out, 'review.txt'), 'utf8')).toBe(text);
    expect(text).toMatch(/^Batch exporter plan review: FAILED: checkov fails a check/);
    expect(text).toMatch(/## checkov 3\.3\.30: \d+ passed, 3 failed, \d+ skipped with reasons/);
    expect(text).toContain(
      '- FAIL CKV2_AWS_64 on aws_kms_key.OwnKey (test/OwnKey) in test: Ensure KMS key Policy is defined',
    );
    expect(text).toMatch(/- FAIL CKV_AWS_7 on aws_kms_key\.OwnKey \(test\/OwnKey\) in test: Ensure rotation/);
    expect(text).toContain(
      '- FAIL CKV_AWS_158 on aws_cloudwatch_log_group.AppLogs (test/AppLogs) in test: Ensure that CloudWatch Log Group is encrypted by KMS',
    );
    expect(text).toMatch(
      /- SKIP CKV_AWS_158 on aws_cloudwatch_log_group\.Exporter_Logs_\w+ \(test\/Exporter\/Logs\)/,
    );
    expect(text).toContain('- PASS sink-writer-least-privilege');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'review.json'), 'utf8')) as ReviewReport;
    expect(report.passed).toBe(false);
    expect(report.checkov).toMatchObject({ status: 'ran', summary: { failed: 3 } });
    expect(report.stacks.every((s) => s.passed)).toBe(true);
  });

  test('says in one line that checkov is not installed and reviews without it', async () => {
    const run = capture();
    const code = await runReview([pipeline, '--json'], run.io, { env: { PATH: dir }, cwd: dir });
    expect(code).toBe(0);
    expect(run.errLines()).toEqual([`batch-exporter review: ${CHECKOV_NOT_INSTALLED}`]);
    const report = JSON.parse(run.out()) as ReviewReport;
    expect(report.checkov).toEqual({
      status: 'not-installed',
      pinnedVersion: CHECKOV_VERSION,
      message: CHECKOV_NOT_INSTALLED,
    });
    expect(validate(report)).toBe(true);
  });

  test('finds checkov through BATCH_EXPORTER_CHECKOV, and --no-checkov turns it off', async () => {
    const viaEnv = capture();
    expect(
      await runReview([pipeline], viaEnv.io, { env: { BATCH_EXPORTER_CHECKOV: checkov }, cwd: dir }),
    ).toBe(0);
    expect(viaEnv.out()).toMatch(/## checkov 3\.3\.30: \d+ passed, 0 failed/);
    const off = capture();
    expect(await runReview([pipeline, '--no-checkov'], off.io)).toBe(0);
    expect(off.out()).toContain('- checkov turned off (--no-checkov)');
    expect(off.errLines()).toEqual([]);
  });

  test.each([
    ['a checkov that does not exist', () => path.join(dir, 'no-such-checkov'), /cannot be started: .*ENOENT/],
    [
      'a checkov whose Python package is gone',
      () => script('gone', `echo "ModuleNotFoundError: No module named 'checkov'" >&2; exit 1`),
      /exited with code 1: ModuleNotFoundError: No module named 'checkov'/,
    ],
    [
      'a checkov that prints no report',
      () => script('chatty', 'echo "usage: checkov [-h]"'),
      /printed no JSON report \(it began "usage: checkov \[-h\]/,
    ],
  ])('fails with exit code 2 and one line for %s', async (_what, make, message) => {
    const broken = make();
    const run = capture();
    expect(await runReview([pipeline, '--checkov', broken], run.io)).toBe(2);
    const lines = run.errLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toContain(`checkov (${broken}, from --checkov)`);
    expect(lines[0]).toContain(`Fix: reinstall it (`);
    expect(run.out()).toBe('');
  });

  test('fails with exit code 2 and one line on a folder without a synthesized plan', async () => {
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    const run = capture();
    expect(await runReview([empty, '--checkov', checkov], run.io)).toBe(2);
    expect(run.errLines()).toEqual([
      `batch-exporter review: ${empty} holds no manifest.json, cdk.tf.json or stacks/*/cdk.tf.json. ` +
        "Pass the folder `cdktf synth` wrote (cdktf.out) or one stack's cdk.tf.json.",
    ]);
  });

  test('fails with exit code 2 and one line on a synth folder whose cdk.tf.json is corrupt', async () => {
    const synth = fs.mkdtempSync(path.join(dir, 'synth-'));
    fs.mkdirSync(path.join(synth, 'stacks', 'app'), { recursive: true });
    fs.writeFileSync(path.join(synth, 'stacks', 'app', 'cdk.tf.json'), '{"resource": {"aws_s3_bucket": ');
    fs.writeFileSync(
      path.join(synth, 'manifest.json'),
      JSON.stringify({ stacks: { app: { synthesizedStackPath: 'stacks/app/cdk.tf.json' } } }),
    );
    const run = capture();
    expect(await runReview([synth, '--checkov', checkov], run.io)).toBe(2);
    const lines = run.errLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^batch-exporter review: .*stacks\/app\/cdk\.tf\.json is not valid JSON: /);
  });
});
