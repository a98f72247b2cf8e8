/**
 * Every secure default of the construct library, in one place (AWS Solutions Constructs'
 * `s3-bucket-defaults.ts`). Constructs merge in this order: these defaults, then the user's props, then what
 * the construct needs to work (listed in README.md under "What the constructs always set").
 */

/** All four S3 Block Public Access flags: the export bucket is never public. */
export const BUCKET_PUBLIC_ACCESS_BLOCK = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
} as const;

/** ACLs disabled: the bucket owner owns every object, whoever wrote it. */
export const BUCKET_OBJECT_OWNERSHIP = 'BucketOwnerEnforced';

/** SSE-S3, used when no KMS key is given. */
export const BUCKET_SSE_S3_ALGORITHM = 'AES256';

/** SSE-KMS, used when a KMS key is given. */
export const BUCKET_SSE_KMS_ALGORITHM = 'aws:kms';

/** Days after which S3 aborts a multipart upload that never completed, so its parts stop costing money. */
export const BUCKET_ABORT_INCOMPLETE_MULTIPART_DAYS = 7;

/** `terraform destroy` refuses to delete a bucket that still holds exported objects. */
export const BUCKET_FORCE_DESTROY = false;

/** IAM path of the writer user, so the identities this library creates are easy to find and scope. */
export const WRITER_USER_PATH = '/batch-exporter/';

/** Days a deleted sink secret can be restored before Secrets Manager removes it for good. */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

/**
 * Retention of the exporter's CloudWatch log group: one year, the retention audits commonly ask for
 * (checkov CKV_AWS_338). The runtime logs about one line per batch, so a year of logs costs little.
 */
export const LOG_RETENTION_DAYS = 365;

/** Default batch interval in seconds: one object per consumer per minute. */
export const EXPORT_INTERVAL_SECONDS = 60;

/** Fargate task size: the runtime holds at most one batch per consumer in memory. */
export const TASK_CPU = 256;
export const TASK_MEMORY_MIB = 512;

/** Tasks of the exporter service (each is one Kafka consumer of the group). */
export const CONSUMERS = 1;

/** The runtime writes nothing to its file system (runtime/Dockerfile), so the container's root is read-only. */
export const READONLY_ROOT_FILESYSTEM = true;

/** Tags of the runtime image are never overwritten: they are hashes of the runtime sources (CKV_AWS_51). */
export const ECR_IMAGE_TAG_MUTABILITY = 'IMMUTABLE';

/** ECR scans every pushed image for known vulnerabilities (CKV_AWS_163). */
export const ECR_SCAN_ON_PUSH = true;

/**
 * The runtime image's repository encrypts with KMS (the AWS managed key `aws/ecr`: no key policy to keep and
 * no permission for the puller to add; CKV_AWS_136) rather than ECR's default AES256.
 */
export const ECR_ENCRYPTION_TYPE = 'KMS';

/** ECS tasks get no public IP unless asked for. */
export const ASSIGN_PUBLIC_IP = false;

/** How long the deploy-time sink validation retries access denials (a fresh IAM key takes seconds to work). */
export const DEPLOY_VALIDATION_RETRY_SECONDS = 60;

/** GCS: IAM alone decides access (no object ACLs), which IAM conditions on the writer's grant require. */
export const GCS_UNIFORM_BUCKET_LEVEL_ACCESS = true;

/** GCS: the export bucket and its objects can never be made public (allUsers/allAuthenticatedUsers). */
export const GCS_PUBLIC_ACCESS_PREVENTION = 'enforced';

/**
 * GCS: no retention policy unless asked for. The writer can neither overwrite nor delete (objectCreator and
 * `ifGenerationMatch: 0`), and a retention policy, once locked, can never be shortened or removed.
 */
export const GCS_RETENTION_DAYS: number | undefined = undefined;

/** GCS: the service account of the writer gets this prefix and a short hash of its construct path. */
export const GCS_WRITER_ACCOUNT_PREFIX = 'batch-exporter-';
