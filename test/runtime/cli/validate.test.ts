import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AwsCredentials, LocalAws, startMoto } from '../../../local';
import { projectRoot } from '../../../local/project-root';
import { leastPrivilegePolicy } from '../../../runtime/config/policy';
import { builtCli, runCli } from './spawn-cli';

const BUCKET = 'validate-demo';

describe('batch-exporter validate against S3 with IAM enforced', () => {
  let aws: LocalAws;
  let dir: string;
  let seedWriter: AwsCredentials;

  /** Writes the key the way `aws iam create-access-key > s3.json` does. */
  function credentialsFile(name: string, userName: string, key: AwsCredentials): string {
    const file = path.join(dir, `${name}.json`);
    const accessKey = {
      UserName: userName,
      AccessKeyId: key.accessKeyId,
      Status: 'Active',
      SecretAccessKey: key.secretAccessKey,
      CreateDate: new Date().toISOString(),
    };
    fs.writeFileSync(file, JSON.stringify({ AccessKey: accessKey }, null, 4));
    return file;
  }

  async function validationObjects(prefix: string): Promise<Array<{ key: string; size: number }>> {
    const listing = await aws.s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (listing.Contents ?? []).map((object) => ({ key: object.Key!, size: object.Size! }));
  }

  beforeAll(async () => {
    builtCli();
    aws = await startMoto({ enforceIam: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-'));
    await aws.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    seedWriter = await aws.createUserWithPolicy('seed-writer', leastPrivilegePolicy(BUCKET, 'events'));
  });
  afterAll(async () => {
    await aws?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes the empty validation object with a key that has only the seed policy', async () => {
    const file = credentialsFile('seed-writer', 'seed-writer', seedWriter);
    const result = await runCli([
      'validate',
      '--bucket',
      BUCKET,
      '--prefix',
      'events',
      '--endpoint',
      aws.endpoint,
      '--credentials-file',
      file,
    ]);
    expect(result.stdout).toMatch(
      new RegExp(
        `^OK: wrote the empty validation object s3://${BUCKET}/events/\\.strm_test_[0-9a-f-]{36}\\.jsonl with access key ${seedWriter.accessKeyId}`,
      ),
    );
    expect(result.code).toBe(0);
    const written = result.stdout.match(/events\/\.strm_test_[0-9a-f-]{36}\.jsonl/)![0];
    expect(await validationObjects('events/.strm_test_')).toContainEqual({ key: written, size: 0 });
    expect(result.stdout + result.stderr).not.toContain(seedWriter.secretAccessKey);
  });

  test('writes to the bucket root without a prefix, reading the sink from the environment', async () => {
    const rootWriter = await aws.createUserWithPolicy('root-writer', leastPrivilegePolicy(BUCKET));
    const result = await runCli(['validate'], {
      BATCH_EXPORTER_SINK_BUCKET: BUCKET,
      BATCH_EXPORTER_SINK_ENDPOINT: aws.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS: fs.readFileSync(
        credentialsFile('root-writer', 'root-writer', rootWriter),
        'utf8',
      ),
    });
    expect(result.stdout).toMatch(new RegExp(`s3://${BUCKET}/\\.strm_test_[0-9a-f-]{36}\\.jsonl `));
    expect(result.stdout).toContain('no prefix (bucket root)');
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(rootWriter.secretAccessKey);
  });

  test('fails naming bucket, prefix and s3:PutObject when the key may not write there', async () => {
    const locator = await aws.createUserWithPolicy('locator-only', {
      Version: '2012-10-17',
      Statement: [leastPrivilegePolicy(BUCKET, 'events').Statement[0]],
    });
    const file = credentialsFile('locator-only', 'locator-only', locator);
    const result = await runCli([
      'validate',
      '--bucket',
      BUCKET,
      '--prefix',
      'events',
      '--endpoint',
      aws.endpoint,
      '--credentials-file',
      file,
    ]);
    expect(result.stderr).toContain(
      `FAILED: could not write the validation object to bucket '${BUCKET}', prefix 'events' with access key ${locator.accessKeyId}.`,
    );
    expect(result.stderr).toContain(`need s3:PutObject on arn:aws:s3:::${BUCKET}/events/*.jsonl`);
    expect(result.stderr).toContain(`batch-exporter policy --bucket ${BUCKET} --prefix events`);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain(locator.secretAccessKey);
  });

  test('fails naming s3:GetBucketLocation when the key cannot find the region', async () => {
    const putOnly = await aws.createUserWithPolicy('put-only', {
      Version: '2012-10-17',
      Statement: [leastPrivilegePolicy(BUCKET, 'events').Statement[1]],
    });
    const file = credentialsFile('put-only', 'put-only', putOnly);
    const result = await runCli([
      'validate',
      '--bucket',
      BUCKET,
      '--prefix',
      'events',
      '--endpoint',
      aws.endpoint,
      '--credentials-file',
      file,
    ]);
    expect(result.stderr).toContain(`need s3:GetBucketLocation on arn:aws:s3:::${BUCKET}`);
    expect(result.code).toBe(1);
  });

  test('fails with exit 2 and every problem when the inputs are wrong, writing nothing', async () => {
    const result = await runCli([
      'validate',
      '--bucket',
      'Validate_Demo',
      '--prefix',
      '/events',
      '--credentials-file',
      path.join(dir, 'nope.json'),
    ]);
    expect(result.stderr).toContain('batch-exporter validate: the sink has 3 problems:');
    expect(result.stderr).toContain('sink.bucket (--bucket) is not a valid S3 bucket name');
    expect(result.stderr).toContain('pathPrefix (--prefix) is not a valid path prefix: it starts with "/"');
    expect(result.stderr).toContain(
      `sink.credentials (file ${path.join(dir, 'nope.json')}) cannot be read: the file does not exist`,
    );
    expect(result.code).toBe(2);
  });

  test('with --retry-seconds, succeeds once a missing permission arrives (IAM eventual consistency)', async () => {
    const late = await aws.createUserWithPolicy('late-writer', {
      Version: '2012-10-17',
      Statement: [leastPrivilegePolicy(BUCKET, 'late').Statement[0]],
    });
    const file = credentialsFile('late-writer', 'late-writer', late);
    const [command, script] = ['node', path.join(projectRoot(), 'dist/runtime/cli/main.js')];
    const child = spawn(
      command,
      [
        script,
        'validate',
        '--bucket',
        BUCKET,
        '--prefix',
        'late',
        '--endpoint',
        aws.endpoint,
        '--credentials-file',
        file,
        '--retry-seconds',
        '60',
      ],
      { cwd: projectRoot(), env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const firstDenial = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('attempt 1 denied')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await firstDenial;
    await aws.iam().send(
      new PutUserPolicyCommand({
        UserName: 'late-writer',
        PolicyName: 'late-writer-policy',
        PolicyDocument: JSON.stringify(leastPrivilegePolicy(BUCKET, 'late')),
      }),
    );
    expect(await exited).toBe(0);
    expect(stderr).toContain(
      'a new access key can take a few seconds to work, retrying (--retry-seconds 60)',
    );
    expect(stdout).toMatch(
      new RegExp(`^OK: wrote the empty validation object s3://${BUCKET}/late/\\.strm_test_`),
    );
    expect(stdout + stderr).not.toContain(late.secretAccessKey);
  });
});
