import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { SinkWriter, WriterMode } from '../../constructs/writer/sink-writer';
import { synthStack } from '../support/synth';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function writerPolicyOf(prefix: string | undefined, encryptionKeyArn?: string): unknown {
  const out = synthStack((stack) => {
    const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo', {
      encryptionKeyArn,
    });
    new SinkWriter(stack, 'Writer', { bucket, prefix });
  });
  return JSON.parse(out.onlyResource('aws_iam_user_policy').body.policy as string);
}

describe('SinkWriter', () => {
  test('grants exactly the seed policy with a prefix', () => {
    expect(writerPolicyOf('events')).toEqual({
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
  });

  test('grants exactly the seed policy without a prefix, with no double slash', () => {
    expect(writerPolicyOf(undefined)).toEqual({
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
          Resource: 'arn:aws:s3:::strmprivacy-export-demo/*.jsonl',
        },
      ],
    });
  });

  test('adds only kms:GenerateDataKey on the bucket key when the bucket uses SSE-KMS', () => {
    expect(writerPolicyOf('events/clicks', KEY_ARN)).toEqual({
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
          Resource: 'arn:aws:s3:::strmprivacy-export-demo/events/clicks/*.jsonl',
        },
        { Effect: 'Allow', Action: ['kms:GenerateDataKey'], Resource: KEY_ARN },
      ],
    });
  });

  test('references the new bucket so the policy is created after the bucket', () => {
    const out = synthStack((stack) => {
      const bucket = new ExportBucket(stack, 'Bucket');
      new SinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
    });
    const arn = `arn:aws:s3:::\${aws_s3_bucket.${out.onlyResource('aws_s3_bucket').name}.bucket}`;
    const policy = JSON.parse(out.onlyResource('aws_iam_user_policy').body.policy as string);
    expect(policy.Statement.map((s: { Resource: string }) => s.Resource)).toEqual([
      arn,
      `${arn}/events/*.jsonl`,
    ]);
  });

  test('creates a user on its own path with no login profile, and its access key', () => {
    const out = synthStack((stack) => {
      const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
      new SinkWriter(stack, 'Writer', { bucket, userName: 'strm-export-demo', pgpKey: 'keybase:someone' });
    });
    const user = out.onlyResource('aws_iam_user');
    expect(user.body).toMatchObject({ name: 'strm-export-demo', path: '/batch-exporter/' });
    expect(out.resources('aws_iam_user_login_profile')).toEqual({});
    expect(out.onlyResource('aws_iam_user_policy').body).toMatchObject({
      user: `\${aws_iam_user.${user.name}.name}`,
      name: 'batch-exporter-bucket-write-access',
    });
    expect(out.onlyResource('aws_iam_access_key').body).toMatchObject({
      user: `\${aws_iam_user.${user.name}.name}`,
      pgp_key: 'keybase:someone',
    });
  });

  test('creates no IAM resource in task-role mode but still carries the policy', () => {
    let policyJson = '';
    const out = synthStack((stack) => {
      const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
      policyJson = new SinkWriter(stack, 'Writer', { bucket, prefix: 'events', mode: WriterMode.TASK_ROLE })
        .policyJson;
    });
    expect(out.json.resource).toBeUndefined();
    expect(JSON.parse(policyJson).Statement[1].Resource).toBe(
      'arn:aws:s3:::strmprivacy-export-demo/events/*.jsonl',
    );
  });
});
