import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';
import { Construct } from 'constructs';

import { BUCKET_NAME_RULE, bucketNameProblems } from '../../runtime/config/rules';
import { isKnown, pathOf, PropProblems } from '../core/problems';
import {
  BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS,
  BUCKET_FORCE_DESTROY,
  GCS_PUBLIC_ACCESS_PREVENTION,
  GCS_RETENTION_DAYS,
  GCS_UNIFORM_BUCKET_LEVEL_ACCESS,
} from '../core/secure-defaults';
import { ISinkBucket } from '../sink/s3-sink';

/**
 * A Google Cloud Storage bucket a GCS sink writes to, whether this stack creates it (`new GcsExportBucket`)
 * or not (`GcsExportBucket.fromBucketName`).
 */
export interface IGcsExportBucket extends ISinkBucket {
  /** Marks the bucket as a GCS one (an S3 ExportBucket cannot be passed by mistake). */
  readonly storage: 'gcs';
}

/** Props of a new GCS export bucket. */
export interface GcsExportBucketProps {
  /**
   * Name of the bucket. The exporter's bucket rules are S3's (lowercase letters, digits, "." and "-"),
   * which GCS accepts too; GCS also refuses names containing "google" or starting with "goog".
   */
  readonly bucketName: string;
  /** The bucket's location, e.g. "EU", "US" or "europe-west4". */
  readonly location: string;
  /**
   * The Google Cloud project.
   * @default - the provider's project
   */
  readonly project?: string;
  /**
   * Days every exported object must be kept (a bucket retention policy, not locked): for compliance. Objects
   * cannot be deleted or replaced before; lock it yourself (`isLocked`) only when that must be permanent.
   * @default - no retention policy (the writer can neither overwrite nor delete anyway)
   */
  readonly retentionDays?: number;
  /**
   * Days after which GCS aborts an incomplete XML API multipart upload (the exporter never starts one; other
   * writers of the bucket might).
   * @default 7
   */
  readonly abortIncompleteMultipartUploadDays?: number;
  /**
   * Let `terraform destroy` delete the bucket together with every exported object in it.
   * @default false
   */
  readonly forceDestroy?: boolean;
  /**
   * Labels for the bucket.
   * @default - no labels
   */
  readonly labels?: Record<string, string>;
}

/**
 * A GCS bucket with secure defaults (constructs/core/secure-defaults.ts): uniform bucket-level access (IAM
 * only, no ACLs, which the writer's IAM condition needs), public access prevention enforced, no force
 * destroy, an abort-incomplete-multipart lifecycle rule, and a retention policy only when asked for. GCS
 * encrypts every object at rest with Google-managed keys; versioning stays off (objects are never replaced).
 */
export class GcsExportBucket extends Construct implements IGcsExportBucket {
  /** A bucket this stack does not create, referenced by name. */
  public static fromBucketName(scope: Construct, id: string, bucketName: string): IGcsExportBucket {
    const problems = new PropProblems('GcsExportBucket.fromBucketName', pathOf(scope, id));
    checkGcsBucketName(problems, bucketName);
    problems.throwIfAny();
    return new ExistingGcsExportBucket(scope, id, bucketName);
  }

  public readonly storage = 'gcs' as const;
  public readonly bucketName: string;
  /** The `google_storage_bucket` (escape hatch). */
  public readonly resource: StorageBucket;

  public constructor(scope: Construct, id: string, props: GcsExportBucketProps) {
    super(scope, id);
    const problems = new PropProblems('GcsExportBucket', this.node.path);
    checkGcsBucketName(problems, props.bucketName);
    if (props.location === undefined || (isKnown(props.location) && String(props.location).trim() === '')) {
      problems.add('location', props.location, 'is required', 'use a location like "EU" or "europe-west4"');
    }
    const abortDays = props.abortIncompleteMultipartUploadDays ?? BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS;
    for (const [prop, days] of [
      ['abortIncompleteMultipartUploadDays', abortDays],
      ['retentionDays', props.retentionDays ?? GCS_RETENTION_DAYS],
    ] as const) {
      if (days !== undefined && isKnown(days) && !(Number.isInteger(days) && days >= 1)) {
        problems.add(prop, days, 'is not a whole number of days of at least 1', 'use a whole number like 7');
      }
    }
    problems.throwIfAny();

    const retentionDays = props.retentionDays ?? GCS_RETENTION_DAYS;
    this.resource = new StorageBucket(this, 'Resource', {
      name: props.bucketName,
      location: props.location,
      project: props.project,
      uniformBucketLevelAccess: GCS_UNIFORM_BUCKET_LEVEL_ACCESS,
      publicAccessPrevention: GCS_PUBLIC_ACCESS_PREVENTION,
      forceDestroy: props.forceDestroy ?? BUCKET_FORCE_DESTROY,
      labels: props.labels,
      lifecycleRule: [{ action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: abortDays } }],
      ...(retentionDays !== undefined && {
        retentionPolicy: { retentionPeriod: retentionDays * 86_400, isLocked: false },
      }),
    });
    this.bucketName = this.resource.name;
  }
}

function checkGcsBucketName(problems: PropProblems, bucketName: string): void {
  if (!isKnown(bucketName)) return;
  const reasons = typeof bucketName === 'string' ? bucketNameProblems(bucketName) : ['is not a string'];
  if (typeof bucketName === 'string' && (bucketName.includes('google') || bucketName.startsWith('goog'))) {
    reasons.push('contains "google" or starts with "goog", which GCS refuses');
  }
  if (reasons.length > 0)
    problems.add('bucketName', bucketName, reasons.join(', '), `use ${BUCKET_NAME_RULE}`);
}

class ExistingGcsExportBucket extends Construct implements IGcsExportBucket {
  public readonly storage = 'gcs' as const;

  public constructor(
    scope: Construct,
    id: string,
    public readonly bucketName: string,
  ) {
    super(scope, id);
  }
}
