import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { Construct, IConstruct } from 'constructs';

import { BUCKET_NAME_RULE, bucketNameProblems } from '../../runtime/config/rules';
import { isKnown, pathOf, PropProblems } from '../core/problems';
import {
  BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS,
  BUCKET_FORCE_DESTROY,
  BUCKET_OBJECT_OWNERSHIP,
  BUCKET_PUBLIC_ACCESS_BLOCK,
  BUCKET_SSE_KMS_ALGORITHM,
  BUCKET_SSE_S3_ALGORITHM,
} from '../core/secure-defaults';

/**
 * The bucket a sink writes to, whether this stack creates it (`new ExportBucket`) or not
 * (`ExportBucket.fromBucketName`). Constructs accept this interface, never the concrete class.
 */
export interface IExportBucket extends IConstruct {
  /** The bucket's name (a Terraform reference when this stack creates the bucket). */
  readonly bucketName: string;
  /** `arn:aws:s3:::<bucketName>` (a Terraform reference when this stack creates the bucket). */
  readonly bucketArn: string;
  /**
   * ARN of the KMS key the bucket encrypts objects with (SSE-KMS); undefined for SSE-S3. When set, the
   * writer's policy gets exactly the KMS action PutObject needs on this key.
   */
  readonly encryptionKeyArn?: string;
}

/** Props of a new export bucket. Every field is optional: the defaults are the secure ones. */
export interface ExportBucketProps {
  /**
   * Name of the bucket (S3 bucket naming rules).
   * @default - a unique name Terraform generates (prefix `terraform-`)
   */
  readonly bucketName?: string;
  /**
   * ARN of a KMS key for server-side encryption (SSE-KMS, with an S3 Bucket Key to cut KMS requests). The
   * writer's policy then gets `kms:GenerateDataKey` on exactly this key.
   * @default - SSE-S3 (`AES256`), which needs no KMS permission
   */
  readonly encryptionKeyArn?: string;
  /**
   * Days after which S3 aborts an incomplete multipart upload.
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Let `terraform destroy` delete the bucket together with every exported object in it. Leave it false
   * for real data: tearing down the exporter should not delete what it exported.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Tags for the bucket.
   * @default - no tags
   */
  readonly tags?: Record<string, string>;
}

/** Attributes of a bucket this stack does not create. */
export interface ExistingBucketAttributes {
  /**
   * ARN of the KMS key the bucket's default encryption uses, if it uses SSE-KMS.
   * @default - the bucket uses SSE-S3 and the writer needs no KMS permission
   */
  readonly encryptionKeyArn?: string;
}

/** The deny-non-TLS statement's Sid; also the policy's only statement. */
export const DENY_INSECURE_TRANSPORT_SID = 'DenyInsecureTransport';

/** The rule id of the abort-incomplete-multipart lifecycle rule. */
export const ABORT_INCOMPLETE_MULTIPART_RULE_ID = 'abort-incomplete-multipart-uploads';

/**
 * An S3 bucket for exported objects with secure defaults (constructs/core/secure-defaults.ts): all four
 * public-access-block flags, ACLs disabled (`BucketOwnerEnforced`), default encryption (SSE-S3 or the given
 * KMS key), a bucket policy denying requests without TLS, a lifecycle rule aborting incomplete multipart
 * uploads, and `forceDestroy` off. Each S3 setting is its own child resource that takes the bucket's id, so
 * Terraform orders it after the bucket by reference. This is the first step of setting up an S3 export.
 */
export class ExportBucket extends Construct implements IExportBucket {
  /**
   * A bucket this stack does not own, by name (for when the bucket and its credentials already exist). Creates no resource; nothing about the bucket changes.
   */
  public static fromBucketName(
    scope: Construct,
    id: string,
    bucketName: string,
    attributes: ExistingBucketAttributes = {},
  ): IExportBucket {
    const problems = new PropProblems('ExportBucket.fromBucketName', pathOf(scope, id));
    checkBucketName(problems, 'bucketName', bucketName);
    checkKeyArn(problems, 'encryptionKeyArn', attributes.encryptionKeyArn);
    problems.throwIfAny();
    return new ExistingExportBucket(scope, id, bucketName, attributes.encryptionKeyArn);
  }

  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly encryptionKeyArn?: string;
  /** The `aws_s3_bucket` (escape hatch). */
  public readonly resource: S3Bucket;
  /** The S3 settings, each its own resource (escape hatches). */
  public readonly publicAccessBlock: S3BucketPublicAccessBlock;
  public readonly ownershipControls: S3BucketOwnershipControls;
  public readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  public readonly lifecycle: S3BucketLifecycleConfiguration;
  public readonly policy: S3BucketPolicy;

  public constructor(scope: Construct, id: string, props: ExportBucketProps = {}) {
    super(scope, id);
    const problems = new PropProblems('ExportBucket', this.node.path);
    if (props.bucketName !== undefined) checkBucketName(problems, 'bucketName', props.bucketName);
    checkKeyArn(problems, 'encryptionKeyArn', props.encryptionKeyArn);
    const abortDays = props.abortIncompleteMultipartUploadDays ?? BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS;
    if (isKnown(abortDays) && !(Number.isInteger(abortDays) && abortDays >= 1)) {
      problems.add(
        'abortIncompleteMultipartUploadDays',
        abortDays,
        'is not a whole number of days of at least 1',
        `use a whole number like ${BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS}`,
      );
    }
    problems.throwIfAny();

    this.resource = new S3Bucket(this, 'Resource', {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? BUCKET_FORCE_DESTROY,
      tags: props.tags,
    });
    const bucketId = this.resource.id;
    this.bucketName = this.resource.bucket;
    this.bucketArn = this.resource.arn;
    this.encryptionKeyArn = props.encryptionKeyArn;

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: bucketId,
      ...BUCKET_PUBLIC_ACCESS_BLOCK,
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, 'OwnershipControls', {
      bucket: bucketId,
      rule: { objectOwnership: BUCKET_OBJECT_OWNERSHIP },
    });
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: bucketId,
      rule: [
        props.encryptionKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: BUCKET_SSE_S3_ALGORITHM } }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: BUCKET_SSE_KMS_ALGORITHM,
                kmsMasterKeyId: props.encryptionKeyArn,
              },
              bucketKeyEnabled: true,
            },
      ],
    });
    this.lifecycle = new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: bucketId,
      rule: [
        {
          id: ABORT_INCOMPLETE_MULTIPART_RULE_ID,
          status: 'Enabled',
          filter: [{ prefix: '' }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
        },
      ],
    });
    this.policy = new S3BucketPolicy(this, 'Policy', {
      bucket: bucketId,
      policy: JSON.stringify(denyInsecureTransportPolicy(this.bucketArn)),
      // S3 rejects concurrent changes to one bucket's access settings ("OperationAborted: A conflicting
      // conditional operation is currently in progress"); no reference orders the policy after the public
      // access block, so this does.
      dependsOn: [this.publicAccessBlock],
    });
  }
}

/** The bucket policy that denies every request made without TLS (AWS Security Hub S3.5). */
export function denyInsecureTransportPolicy(bucketArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: DENY_INSECURE_TRANSPORT_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

class ExistingExportBucket extends Construct implements IExportBucket {
  public readonly bucketArn: string;

  public constructor(
    scope: Construct,
    id: string,
    public readonly bucketName: string,
    public readonly encryptionKeyArn: string | undefined,
  ) {
    super(scope, id);
    this.bucketArn = `arn:aws:s3:::${bucketName}`;
  }
}

function checkBucketName(problems: PropProblems, prop: string, bucketName: string): void {
  if (!isKnown(bucketName) && bucketName !== undefined) return;
  if (typeof bucketName !== 'string') {
    problems.add(prop, bucketName, 'is not a string', `give the bucket name, ${BUCKET_NAME_RULE}`);
    return;
  }
  const broken = bucketNameProblems(bucketName);
  if (broken.length > 0) {
    problems.add(prop, bucketName, broken.join(', '), `use ${BUCKET_NAME_RULE}`);
  }
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

function checkKeyArn(problems: PropProblems, prop: string, arn: string | undefined): void {
  if (!isKnown(arn)) return;
  if (typeof arn !== 'string' || !KMS_KEY_ARN.test(arn)) {
    problems.add(
      prop,
      arn,
      'is not a KMS key ARN (an alias ARN cannot scope an IAM policy)',
      'give the key ARN, e.g. "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", or leave it unset for SSE-S3',
    );
  }
}
