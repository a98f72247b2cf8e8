/**
 * Small stacks declared with provider resources directly, shaped like the library's (and like a user's own),
 * for the guard tests: a secure bucket, a least-privilege writer with its key in a sink secret, and an
 * exporter task definition.
 */
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';

export interface SecureBucketOptions {
  readonly publicAccessBlock?: boolean | 'partial';
  readonly encryption?: boolean;
  readonly kmsKey?: KmsKey;
  readonly tlsPolicy?: boolean | 'data-source';
  readonly lifecycle?: boolean;
}

/** A bucket with (by default) every secure default, each one removable for a failing case. */
export function secureBucket(scope: Construct, id: string, options: SecureBucketOptions = {}): S3Bucket {
  const bucket = new S3Bucket(scope, id, { bucket: `${id.toLowerCase()}-exports` });
  if (options.publicAccessBlock !== false) {
    new S3BucketPublicAccessBlock(scope, `${id}PublicAccessBlock`, {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: options.publicAccessBlock !== 'partial',
    });
  }
  if (options.encryption !== false) {
    new S3BucketServerSideEncryptionConfigurationA(scope, `${id}Encryption`, {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: options.kmsKey
            ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: options.kmsKey.arn }
            : { sseAlgorithm: 'AES256' },
        },
      ],
    });
  }
  if (options.tlsPolicy === 'data-source') {
    const doc = new DataAwsIamPolicyDocument(scope, `${id}TlsOnly`, {
      statement: [
        {
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ],
    });
    new S3BucketPolicy(scope, `${id}Policy`, { bucket: bucket.id, policy: doc.json });
  } else if (options.tlsPolicy !== false) {
    new S3BucketPolicy(scope, `${id}Policy`, {
      bucket: bucket.id,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket.arn, `${bucket.arn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
  }
  if (options.lifecycle !== false) {
    new S3BucketLifecycleConfiguration(scope, `${id}Lifecycle`, {
      bucket: bucket.id,
      rule: [
        {
          id: 'abort-incomplete-multipart-uploads',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
  return bucket;
}

/** The seed's policy for a bucket and prefix (statements can be replaced for failing cases). */
export function seedPolicy(bucket: S3Bucket, prefix?: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: bucket.arn },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: prefix === undefined ? `${bucket.arn}/*.jsonl` : `${bucket.arn}/${prefix}/*.jsonl`,
      },
    ],
  };
}

export interface WriterOptions {
  readonly policy?: object;
  /** How the key's secret is used: in the sink secret (default), nowhere, or also in a tag. */
  readonly secretUse?: 'sink' | 'unused' | 'tag';
  readonly pgpKey?: string;
}

/** A writer user with an inline policy and an access key whose secret fills a sink secret. */
export function writer(scope: Construct, bucket: S3Bucket, options: WriterOptions = {}): IamAccessKey {
  const user = new IamUser(scope, 'WriterUser', { name: 'writer', path: '/batch-exporter/' });
  new IamUserPolicy(scope, 'WriterPolicy', {
    user: user.name,
    policy: JSON.stringify(options.policy ?? seedPolicy(bucket, 'events')),
  });
  const key = new IamAccessKey(scope, 'WriterKey', { user: user.name, pgpKey: options.pgpKey });
  const secret = new SecretsmanagerSecret(scope, 'SinkSecret', { name: 'sink-credentials' });
  if (options.secretUse !== 'unused') {
    new SecretsmanagerSecretVersion(scope, 'SinkSecretValue', {
      secretId: secret.id,
      secretString: Fn.jsonencode({
        AccessKey: {
          UserName: user.name,
          AccessKeyId: key.id,
          SecretAccessKey: key.secret,
          Status: 'Active',
        },
      }),
    });
  }
  if (options.secretUse === 'tag') {
    new IamRole(scope, 'Leaky', {
      name: 'leaky',
      assumeRolePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      tags: { credentials: key.secret },
    });
  }
  return key;
}

/** An exporter task definition with the given plain environment and the sink credentials as a secret. */
export function exporterTask(
  scope: Construct,
  secretArn: string,
  environment: { name: string; value: string }[] = [],
): EcsTaskDefinition {
  return new EcsTaskDefinition(scope, 'ExporterTask', {
    family: 'exporter',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: Fn.jsonencode([
      {
        name: 'exporter',
        image: 'public.ecr.aws/example/batch-exporter:1',
        environment: [
          { name: 'BATCH_EXPORTER_SINK_BUCKET', value: 'exports' },
          { name: 'BATCH_EXPORTER_TOPIC', value: 'clicks' },
          ...environment,
        ],
        secrets: [{ name: 'BATCH_EXPORTER_SINK_CREDENTIALS', valueFrom: secretArn }],
      },
    ]),
  });
}
