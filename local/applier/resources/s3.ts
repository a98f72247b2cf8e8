/** S3 resources on moto: the bucket and each of the settings Terraform models as its own resource. */
import {
  BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  ListObjectVersionsCommand,
  ObjectOwnership,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  ServerSideEncryption,
  ExpirationStatus,
  S3Client,
  BucketVersioningStatus,
} from '@aws-sdk/client-s3';
import { AppliedResource, Attributes, HandlerContext, ResourceHandler } from '../types';
import {
  blocks,
  optionalBoolean,
  optionalNumber,
  optionalString,
  requireString,
  tagList,
  uniqueName,
} from './arguments';

export const s3Bucket: ResourceHandler = {
  locally: 'S3 bucket on moto',
  async create(address, config, { aws }) {
    const bucket = bucketName(config);
    await aws.s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(aws.region !== 'us-east-1' && {
          CreateBucketConfiguration: { LocationConstraint: aws.region as BucketLocationConstraint },
        }),
      }),
    );
    const tags = tagList(config.tags, address);
    if (tags.length > 0) {
      await aws.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags } }));
    }
    return {
      id: bucket,
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      region: aws.region,
      bucket_domain_name: `${bucket}.s3.amazonaws.com`,
      bucket_regional_domain_name: `${bucket}.s3.${aws.region}.amazonaws.com`,
      hosted_zone_id: 'Z3AQBSTGFYJSTF',
    };
  },
  async destroy(resource, { aws }) {
    const bucket = String(resource.attributes.bucket);
    const deleted = await emptyBucket(aws.s3, bucket);
    await aws.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return `deleted bucket ${bucket} and the ${deleted} object(s) in it`;
  },
};

/** Terraform's naming: `bucket`, else `bucket_prefix` plus a unique suffix, else `terraform-` plus one. */
function bucketName(config: Attributes): string {
  const name = optionalString(config, 'bucket');
  if (name !== undefined && name !== '') return name;
  return uniqueName(optionalString(config, 'bucket_prefix'), 63);
}

/** Deletes every object version and delete marker; returns how many keys there were. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        VersionIdMarker: versionIdMarker,
      }),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }));
    if (objects.length > 0) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
      count += (page.Versions ?? []).length;
    }
    if (!page.IsTruncated) return count;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

/** A bucket setting: applied with one call, removed with another; its id is the bucket name. */
function bucketSetting(
  locally: string,
  apply: (s3: S3Client, bucket: string, config: Attributes, address: string) => Promise<void>,
  remove: (s3: S3Client, bucket: string) => Promise<void>,
): ResourceHandler {
  return {
    locally,
    async create(address, config, { aws }) {
      const bucket = requireString(config, 'bucket', address);
      await apply(aws.s3, bucket, config, address);
      return { id: bucket };
    },
    async destroy(resource: AppliedResource, { aws }: HandlerContext) {
      const bucket = String(resource.attributes.bucket);
      await remove(aws.s3, bucket);
      return `removed ${locally} from bucket ${bucket}`;
    },
  };
}

export const s3BucketPublicAccessBlock = bucketSetting(
  'public access block',
  async (s3, bucket, config) => {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: optionalBoolean(config, 'block_public_acls') ?? false,
          BlockPublicPolicy: optionalBoolean(config, 'block_public_policy') ?? false,
          IgnorePublicAcls: optionalBoolean(config, 'ignore_public_acls') ?? false,
          RestrictPublicBuckets: optionalBoolean(config, 'restrict_public_buckets') ?? false,
        },
      }),
    );
  },
  async (s3, bucket) => {
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
  },
);

export const s3BucketOwnershipControls = bucketSetting(
  'ownership controls',
  async (s3, bucket, config, address) => {
    const rules = blocks(config.rule, `${address}.rule`).map((rule) => ({
      ObjectOwnership: requireString(rule, 'object_ownership', `${address}.rule`) as ObjectOwnership,
    }));
    await s3.send(
      new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: rules } }),
    );
  },
  async (s3, bucket) => {
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }));
  },
);

export const s3BucketServerSideEncryption = bucketSetting(
  'default encryption',
  async (s3, bucket, config, address) => {
    const rules = blocks(config.rule, `${address}.rule`).map((rule) => {
      const [byDefault] = blocks(rule.apply_server_side_encryption_by_default, `${address}.rule`);
      return {
        ApplyServerSideEncryptionByDefault:
          byDefault === undefined
            ? undefined
            : {
                SSEAlgorithm: requireString(byDefault, 'sse_algorithm', address) as ServerSideEncryption,
                KMSMasterKeyID: optionalString(byDefault, 'kms_master_key_id') || undefined,
              },
        BucketKeyEnabled: optionalBoolean(rule, 'bucket_key_enabled'),
      };
    });
    await s3.send(
      new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: rules } }),
    );
  },
  async (s3, bucket) => {
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
  },
);

export const s3BucketLifecycleConfiguration = bucketSetting(
  'lifecycle configuration',
  async (s3, bucket, config, address) => {
    const rules = blocks(config.rule, `${address}.rule`).map((rule) => {
      const [filter] = blocks(rule.filter, `${address}.rule.filter`);
      const [abort] = blocks(rule.abort_incomplete_multipart_upload, `${address}.rule`);
      const [expiration] = blocks(rule.expiration, `${address}.rule`);
      return {
        ID: optionalString(rule, 'id'),
        Status: requireString(rule, 'status', `${address}.rule`) as ExpirationStatus,
        Filter: { Prefix: filter === undefined ? '' : (optionalString(filter, 'prefix') ?? '') },
        ...(abort !== undefined && {
          AbortIncompleteMultipartUpload: {
            DaysAfterInitiation: optionalNumber(abort, 'days_after_initiation'),
          },
        }),
        ...(expiration !== undefined && { Expiration: { Days: optionalNumber(expiration, 'days') } }),
      };
    });
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: rules },
      }),
    );
  },
  async (s3, bucket) => {
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
  },
);

/**
 * The bucket policy, less any statement conditioned on `aws:SecureTransport`: the local endpoint is plain
 * HTTP, so a deny-non-TLS statement would deny every request (on AWS every request uses TLS), and moto treats
 * a statement whose condition it cannot evaluate as a deny. The step's detail says what was left out.
 */
export const s3BucketPolicy: ResourceHandler = {
  locally: 'bucket policy on moto',
  async create(address, config, { aws }) {
    const bucket = requireString(config, 'bucket', address);
    const policy = JSON.parse(requireString(config, 'policy', address)) as { Statement?: unknown };
    const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
    const tlsOnly = (s: { Condition?: Record<string, Record<string, unknown>> }) =>
      Object.values(s.Condition ?? {}).some((test) =>
        Object.keys(test).some((key) => key.toLowerCase() === 'aws:securetransport'),
      );
    const kept = statements.filter(
      (s) => !tlsOnly(s as { Condition?: Record<string, Record<string, unknown>> }),
    );
    const left = statements
      .filter((s) => !kept.includes(s))
      .map((s) => (s as { Sid?: string }).Sid ?? 'unnamed');
    if (kept.length > 0) {
      await aws.s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({ ...policy, Statement: kept }),
        }),
      );
    }
    return {
      id: bucket,
      local_note:
        left.length === 0
          ? 'applied as synthesized'
          : `applied without ${left.join(', ')} (plain HTTP locally)${kept.length === 0 ? ': nothing left to apply' : ''}`,
    };
  },
  async destroy(resource, { aws }) {
    const bucket = String(resource.attributes.bucket);
    await aws.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    return `removed bucket policy from bucket ${bucket}`;
  },
};

export const s3BucketVersioning = bucketSetting(
  'versioning',
  async (s3, bucket, config, address) => {
    const [versioning] = blocks(config.versioning_configuration, `${address}.versioning_configuration`);
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: {
          Status: requireString(versioning ?? {}, 'status', address) as BucketVersioningStatus,
        },
      }),
    );
  },
  async (s3, bucket) => {
    // A versioned bucket cannot go back to unversioned; Terraform suspends it on destroy.
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }),
    );
  },
);
