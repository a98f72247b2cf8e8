import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Aspects, Fn, IAspect, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import {
  ExportGuardRails,
  NoPlaintextSecrets,
  SecureExportBuckets,
  SinkWriterLeastPrivilege,
} from '../../../constructs/aspects/aspects';
import { synthStack } from '../../support/synth';
import { exporterTask, secureBucket, seedPolicy, writer } from './fixtures';

/**
 * Synthesizes like the cdktf CLI does (it sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS, then prints the
 * error annotations from the manifest and fails) and returns the error messages.
 */
function guardErrors(aspect: IAspect, build: (stack: TerraformStack) => void): string[] {
  process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
  try {
    const stack = synthStack((s) => {
      build(s);
      Aspects.of(s).add(aspect);
    });
    return stack.annotationsOf('error').map((a) => `${a.constructPath} ${a.message}`);
  } finally {
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  }
}

describe('SinkWriterLeastPrivilege', () => {
  test('passes the seed policy with and without prefix', () => {
    expect(guardErrors(new SinkWriterLeastPrivilege(), (s) => writer(s, secureBucket(s, 'Bucket')))).toEqual(
      [],
    );
    expect(
      guardErrors(new SinkWriterLeastPrivilege(), (s) => {
        const bucket = secureBucket(s, 'Bucket');
        writer(s, bucket, { policy: seedPolicy(bucket) });
      }),
    ).toEqual([]);
  });

  test("passes kms:GenerateDataKey on the bucket's own key", () => {
    const errors = guardErrors(new SinkWriterLeastPrivilege(), (s) => {
      const key = new KmsKey(s, 'Key', { enableKeyRotation: true });
      const bucket = secureBucket(s, 'Bucket', { kmsKey: key });
      const policy = seedPolicy(bucket, 'events') as { Statement: object[] };
      writer(s, bucket, {
        policy: {
          ...policy,
          Statement: [
            ...policy.Statement,
            { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: key.arn },
          ],
        },
      });
    });
    expect(errors).toEqual([]);
  });

  test('fails synth, naming the construct path and the fix, when the writer may do more', () => {
    expect(() =>
      synthStack((s) => {
        const bucket = secureBucket(s, 'Bucket');
        writer(new Construct(s, 'Export'), bucket, {
          policy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: `${bucket.arn}/*` }],
          },
        });
        Aspects.of(s).add(new SinkWriterLeastPrivilege());
      }),
    ).toThrow(
      /\[test\/Export\/WriterPolicy\] \[sink-writer-least-privilege\] test\/Export\/WriterPolicy \(aws_iam_user_policy\.\w+\): sink writer aws_iam_user\.\w+ \(its access key's secret is stored in aws_secretsmanager_secret_version\.\w+\): allows the wildcard action "s3:\*"\. Fix: grant exactly s3:GetBucketLocation/,
    );
  });

  test('fails for every statement beyond least privilege, all reported at once', () => {
    const errors = guardErrors(new SinkWriterLeastPrivilege(), (s) => {
      const bucket = secureBucket(s, 'Bucket');
      const other = secureBucket(s, 'Other');
      const key = new KmsKey(s, 'Key', {});
      writer(s, bucket, {
        policy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:GetObject'], Resource: bucket.arn },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucket.arn}/events/*` },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucket.arn}/ev*/*.jsonl` },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `${other.arn}/*.jsonl` },
            { Effect: 'Allow', NotAction: 's3:DeleteObject', Resource: '*' },
            { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: key.arn },
            { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
          ],
        },
      });
    });
    const text = errors.join('\n');
    expect(text).toContain('allows s3:GetObject, which a sink writer does not need');
    expect(text).toMatch(
      /allows s3:PutObject on "\$\{aws_s3_bucket\.\w+\.arn\}\/events\/\*": it is not limited to \*\.jsonl objects/,
    );
    expect(text).toContain('its prefix "ev*/" contains a wildcard');
    expect(text).toMatch(/names more than one bucket: "aws_s3_bucket\.\w+", "aws_s3_bucket\.\w+"/);
    expect(text).toContain('allows every action except "s3:DeleteObject" (NotAction)');
    expect(text).toMatch(
      /allows kms:GenerateDataKey on aws_kms_key\.\w+, which does not encrypt the writer's bucket/,
    );
    expect(text).toContain('allows kms:Decrypt, which a sink writer does not need');
    expect(errors.every((e) => e.startsWith('test/WriterPolicy '))).toBe(true);
  });

  test('fails when an exporter task role (task-role mode) holds a managed policy', () => {
    const errors = guardErrors(new SinkWriterLeastPrivilege(), (s) => {
      const role = new IamRole(s, 'TaskRole', {
        name: 'exporter-task',
        assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      });
      new IamRolePolicyAttachment(s, 'Admin', {
        role: role.name,
        policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      });
      const task = exporterTask(s, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sink');
      task.taskRoleArn = role.arn;
    });
    expect(errors).toEqual([
      expect.stringMatching(
        /^test\/Admin \[sink-writer-least-privilege\] .*sink writer aws_iam_role\.TaskRole \(it is the task role of exporter aws_ecs_task_definition\.\w+\): has the managed policy arn:aws:iam::aws:policy\/AmazonS3FullAccess attached/,
      ),
    ]);
  });

  test("fails when the writer's policy is computed and cannot be proven", () => {
    const errors = guardErrors(new SinkWriterLeastPrivilege(), (s) => {
      const bucket = secureBucket(s, 'Bucket');
      writer(s, bucket, {
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `${bucket.arn}/*.jsonl` }],
        },
      });
      const policy = s.node.findChild('WriterPolicy') as unknown as { policy: string };
      policy.policy = Fn.file('policy.json');
    });
    expect(errors).toEqual([
      expect.stringContaining('cannot be checked: it is computed by Terraform from ${file("policy.json")}'),
    ]);
  });
});

describe('SecureExportBuckets', () => {
  test('passes a bucket with every secure default (policy written with jsonencode or a policy document)', () => {
    expect(guardErrors(new SecureExportBuckets(), (s) => secureBucket(s, 'Bucket'))).toEqual([]);
    expect(
      guardErrors(new SecureExportBuckets(), (s) => secureBucket(s, 'Bucket', { tlsPolicy: 'data-source' })),
    ).toEqual([]);
  });

  test('fails a bare bucket with all four missing defaults, each with its fix', () => {
    const errors = guardErrors(new SecureExportBuckets(), (s) => new S3Bucket(s, 'Bare', { bucket: 'bare' }));
    expect(errors).toEqual([
      expect.stringContaining(
        'has no bucket policy denying requests without TLS. Fix: add an aws_s3_bucket_policy with a Deny statement',
      ),
      expect.stringContaining(
        'has no default server-side encryption configuration. Fix: add an aws_s3_bucket_server_side_encryption_configuration',
      ),
      expect.stringContaining(
        'has no enabled lifecycle rule aborting incomplete multipart uploads. Fix: add an aws_s3_bucket_lifecycle_configuration rule',
      ),
      expect.stringContaining('has no public access block. Fix: add an aws_s3_bucket_public_access_block'),
    ]);
    expect(
      errors.every((e) => e.startsWith('test/Bare [secure-bucket] test/Bare (aws_s3_bucket.Bare): ')),
    ).toBe(true);
  });

  test('fails one missing default at a time', () => {
    const only = (options: Parameters<typeof secureBucket>[2]) =>
      guardErrors(new SecureExportBuckets(), (s) => secureBucket(s, 'Bucket', options));
    expect(only({ publicAccessBlock: 'partial' })).toEqual([
      expect.stringContaining('its public access block does not set restrict_public_buckets to true'),
    ]);
    expect(only({ encryption: false })).toEqual([
      expect.stringContaining('has no default server-side encryption'),
    ]);
    expect(only({ tlsPolicy: false })).toEqual([
      expect.stringContaining('has no bucket policy denying requests without TLS'),
    ]);
    expect(only({ lifecycle: false })).toEqual([
      expect.stringContaining('aborting incomplete multipart uploads'),
    ]);
  });

  test('passes a bucket whose parts name it by its literal name instead of a reference', () => {
    const errors = guardErrors(new SecureExportBuckets(), (s) => {
      // secureBucket names the bucket "<id lower-cased>-exports".
      secureBucket(s, 'Bucket');
      for (const part of ['BucketPublicAccessBlock', 'BucketEncryption', 'BucketPolicy', 'BucketLifecycle']) {
        (s.node.findChild(part) as unknown as { bucket: string }).bucket = 'bucket-exports';
      }
    });
    expect(errors).toEqual([]);
  });

  test('reports only constructs within the scope it was added to', () => {
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
    try {
      const stack = synthStack((s) => {
        new S3Bucket(s, 'Theirs', { bucket: 'theirs' });
        const ours = new Construct(s, 'Ours');
        secureBucket(ours, 'Bucket', { lifecycle: false });
        Aspects.of(ours).add(new SecureExportBuckets());
      });
      expect(stack.annotationsOf('error').map((a) => a.constructPath)).toEqual(['test/Ours/Bucket']);
    } finally {
      delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    }
  });
});

describe('NoPlaintextSecrets', () => {
  test('passes a key consumed only by the sink secret, and a PGP-encrypted key used nowhere', () => {
    expect(guardErrors(new NoPlaintextSecrets(), (s) => writer(s, secureBucket(s, 'Bucket')))).toEqual([]);
    expect(
      guardErrors(new NoPlaintextSecrets(), (s) =>
        writer(s, secureBucket(s, 'Bucket'), { secretUse: 'unused', pgpKey: 'keybase:someone' }),
      ),
    ).toEqual([]);
  });

  test('fails an output holding the secret, even a sensitive one, on the output construct', () => {
    const errors = guardErrors(new NoPlaintextSecrets(), (s) => {
      const key = writer(s, secureBucket(s, 'Bucket'));
      new TerraformOutput(s, 'creds', { value: Fn.jsonencode({ secret: key.secret }), sensitive: true });
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^test\/creds \[no-plaintext-secrets\] output\.creds: the output exposes the secret aws_iam_access_key\.\w+\.secret\. Fix: remove the output/,
        ),
        expect.stringMatching(
          /^test\/WriterKey .*its secret is used outside the sink secret, by output\.creds \(value\)/,
        ),
      ]),
    );
  });

  test('fails a secret in tags', () => {
    const errors = guardErrors(new NoPlaintextSecrets(), (s) =>
      writer(s, secureBucket(s, 'Bucket'), { secretUse: 'tag' }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^test\/Leaky .*its tags hold the secret aws_iam_access_key\.\w+\.secret\. Fix: remove the secret from the tags/,
        ),
      ]),
    );
  });

  test("fails a secret or a secret-bearing variable in a task's plain environment", () => {
    const errors = guardErrors(new NoPlaintextSecrets(), (s) => {
      const key = writer(s, secureBucket(s, 'Bucket'));
      exporterTask(s, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sink', [
        { name: 'AWS_SECRET_ACCESS_KEY', value: key.secret },
        { name: 'BATCH_EXPORTER_KAFKA_SASL_PASSWORD', value: 'canary-7f3a9' },
      ]);
    });
    const text = errors.join('\n');
    expect(text).toMatch(
      /test\/ExporterTask .*container exporter has the secret aws_iam_access_key\.\w+\.secret in plain environment variable AWS_SECRET_ACCESS_KEY\. Fix: move it to the container's `secrets`/,
    );
    expect(text).toContain(
      'sets the secret-bearing variable BATCH_EXPORTER_KAFKA_SASL_PASSWORD in plain environment (value not shown)',
    );
    expect(text).not.toContain('canary-7f3a9');
  });

  test('fails an access key without pgpKey whose secret nothing consumes', () => {
    const errors = guardErrors(new NoPlaintextSecrets(), (s) =>
      writer(s, secureBucket(s, 'Bucket'), { secretUse: 'unused' }),
    );
    expect(errors).toEqual([
      expect.stringMatching(
        /^test\/WriterKey .*its secret is consumed by nothing and lies in the Terraform state in plain text\. Fix: store the secret only in the sink's Secrets Manager secret/,
      ),
    ]);
  });
});

describe('ExportGuardRails', () => {
  test('applies all three rules at once', () => {
    const errors = guardErrors(new ExportGuardRails(), (s) => {
      const bucket = new S3Bucket(s, 'Bare', { bucket: 'bare' });
      const key = writer(s, bucket, {
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      });
      new TerraformOutput(s, 'secret', { value: key.secret, sensitive: true });
    });
    const rules = new Set(errors.map((e) => /\[([\w-]+)\]/.exec(e)?.[1]));
    expect([...rules].sort()).toEqual([
      'no-plaintext-secrets',
      'secure-bucket',
      'sink-writer-least-privilege',
    ]);
  });
});
