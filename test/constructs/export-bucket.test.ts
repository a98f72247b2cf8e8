import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { synthStack } from '../support/synth';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('ExportBucket', () => {
  test('creates the bucket with all secure defaults, each setting referencing the bucket', () => {
    const out = synthStack((stack) => new ExportBucket(stack, 'Bucket', { bucketName: 'export-demo' }));
    const bucket = out.onlyResource('aws_s3_bucket');
    const ref = `\${aws_s3_bucket.${bucket.name}.id}`;
    expect(bucket.body).toMatchObject({ bucket: 'export-demo', force_destroy: false });
    expect(out.onlyResource('aws_s3_bucket_public_access_block').body).toMatchObject({
      bucket: ref,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(out.onlyResource('aws_s3_bucket_ownership_controls').body).toMatchObject({
      bucket: ref,
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
    expect(out.onlyResource('aws_s3_bucket_server_side_encryption_configuration').body).toMatchObject({
      bucket: ref,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    expect(out.onlyResource('aws_s3_bucket_lifecycle_configuration').body).toMatchObject({
      bucket: ref,
      rule: [
        {
          id: 'abort-incomplete-multipart-uploads',
          status: 'Enabled',
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
  });

  test('denies every request without TLS in the bucket policy', () => {
    const out = synthStack((stack) => new ExportBucket(stack, 'Bucket', { bucketName: 'export-demo' }));
    const arn = `\${aws_s3_bucket.${out.onlyResource('aws_s3_bucket').name}.arn}`;
    const policy = out.onlyResource('aws_s3_bucket_policy').body;
    expect(JSON.parse(policy.policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [arn, `${arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
    expect(policy.depends_on).toEqual([
      `aws_s3_bucket_public_access_block.${out.onlyResource('aws_s3_bucket_public_access_block').name}`,
    ]);
  });

  test('encrypts with the given KMS key and an S3 Bucket Key', () => {
    const out = synthStack((stack) => new ExportBucket(stack, 'Bucket', { encryptionKeyArn: KEY_ARN }));
    expect(out.onlyResource('aws_s3_bucket_server_side_encryption_configuration').body).toMatchObject({
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY_ARN },
          bucket_key_enabled: true,
        },
      ],
    });
  });

  test('lets Terraform name the bucket when no name is given', () => {
    const out = synthStack((stack) => new ExportBucket(stack, 'Bucket'));
    expect(out.onlyResource('aws_s3_bucket').body.bucket).toBeUndefined();
  });

  test('references an existing bucket by name without creating any resource', () => {
    let arn = '';
    const out = synthStack((stack) => {
      arn = ExportBucket.fromBucketName(stack, 'Existing', 'already-there', {
        encryptionKeyArn: KEY_ARN,
      }).bucketArn;
    });
    expect(arn).toBe('arn:aws:s3:::already-there');
    expect(out.json.resource).toBeUndefined();
  });

  test('fails listing every bad prop at once', () => {
    expect(() =>
      synthStack(
        (stack) =>
          new ExportBucket(stack, 'Bucket', {
            bucketName: 'Bad_Bucket',
            encryptionKeyArn: 'alias/mine',
            abortIncompleteMultipartUploadDays: 0,
          }),
      ),
    ).toThrow(
      [
        'Invalid ExportBucket props at "test/Bucket" (3 problems):',
        '  - bucketName: "Bad_Bucket" contains characters other than lowercase letters, digits, "." and "-", does not start with a lowercase letter or digit. Fix: use 3 to 63 characters',
      ].join('\n'),
    );
  });

  test('fails when an existing bucket name is not a valid bucket name', () => {
    expect(() =>
      synthStack((stack) => ExportBucket.fromBucketName(stack, 'Existing', 's3://my-bucket')),
    ).toThrow(/bucketName: "s3:\/\/my-bucket" contains characters other than .*Fix: use 3 to 63 characters/);
  });
});
