import { runCli, runPackageBin } from './spawn-cli';

describe('batch-exporter policy', () => {
  test('prints the seed policy with the prefix in the object ARN', async () => {
    const result = await runCli(['policy', '--bucket', 'strmprivacy-export-demo', '--prefix', 'events']);
    expect(JSON.parse(result.stdout)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation'],
          Resource: 'arn:aws:s3:::strmprivacy-export-demo',
        },
        {
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: 'arn:aws:s3:::strmprivacy-export-demo/events/*.jsonl',
        },
      ],
    });
    expect(result.code).toBe(0);
  });

  test('leaves out the prefix and its slash without --prefix', async () => {
    const result = await runCli(['policy', '--bucket', 'strmprivacy-export-demo']);
    expect(JSON.parse(result.stdout).Statement[1].Resource).toBe(
      'arn:aws:s3:::strmprivacy-export-demo/*.jsonl',
    );
    expect(result.stdout).not.toContain('//');
    expect(result.code).toBe(0);
  });

  test('fails with exit 2 and both problems for a bad bucket and prefix, printing no policy', async () => {
    const result = await runCli(['policy', '--bucket', 'Exports', '--prefix', 'events//2021/']);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('batch-exporter policy has 2 problems:');
    expect(result.stderr).toContain('bucket (--bucket) is not a valid S3 bucket name');
    expect(result.stderr).toContain(
      'pathPrefix (--prefix) is not a valid path prefix: it ends with "/", contains "//"',
    );
    expect(result.code).toBe(2);
  });

  test('fails with exit 2 when --bucket is missing', async () => {
    const result = await runCli(['policy']);
    expect(result.stderr).toContain("required option '--bucket <name>' not specified");
    expect(result.code).toBe(2);
  });
});

describe('batch-exporter --help', () => {
  test("lists the runtime's commands, and no review, in the image's command line", async () => {
    const result = await runCli(['--help']);
    for (const command of ['run', 'validate', 'policy']) expect(result.stdout).toContain(`  ${command} `);
    expect(result.stdout).not.toContain('  review ');
    expect(result.code).toBe(0);
  });

  test("lists the runtime's commands and review in the npm package's bin", async () => {
    const result = await runPackageBin(['--help']);
    for (const command of ['run', 'validate', 'policy', 'review'])
      expect(result.stdout).toContain(`  ${command} `);
    expect(result.code).toBe(0);
  });

  test("fails with exit 2 on review in the image's command line, naming the unknown command", async () => {
    const result = await runCli(['review', 'cdktf.out']);
    expect(result.stderr).toContain("error: unknown command 'review'");
    expect(result.code).toBe(2);
  });

  test.each([['run'], ['validate'], ['policy'], ['review']])(
    '%s --help explains the command and exits 0',
    async (command) => {
      const result = await runPackageBin([command, '--help']);
      expect(result.stdout).toMatch(new RegExp(`^Usage: (batch-exporter )?${command}`));
      expect(result.code).toBe(0);
    },
  );

  test('run --help lists every environment variable and marks the secret ones, without any value', async () => {
    const canary = 'CANARY-help-5e6f7a8b9c0d';
    const result = await runCli(['run', '--help'], {
      BATCH_EXPORTER_KAFKA_SASL_PASSWORD: canary,
      BATCH_EXPORTER_SINK_CREDENTIALS: `{"AccessKey":{"SecretAccessKey":"${canary}"}}`,
    });
    expect(result.stdout).toMatch(
      /BATCH_EXPORTER_KAFKA_SASL_PASSWORD +SASL password \(plain, scram-\*\) \[secret\]/,
    );
    expect(result.stdout).toMatch(
      /BATCH_EXPORTER_SINK_CREDENTIALS +the JSON printed by `aws iam create-access-key` \[secret\]/,
    );
    expect(result.stdout).toContain('BATCH_EXPORTER_PATH_PREFIX');
    expect(result.stdout + result.stderr).not.toContain(canary);
  });

  test('fails with exit 2 on an unknown command', async () => {
    const result = await runCli(['export']);
    expect(result.stderr).toContain("error: unknown command 'export'");
    expect(result.code).toBe(2);
  });
});
