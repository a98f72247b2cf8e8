/**
 * The permissions this library grants, as named constants with the reason for each (aws-cdk `perms.ts`).
 * Nothing here is wider than the seed's "minimal set of permissions" (seed: "2. Create the necessary
 * credentials").
 */

/**
 * On the bucket itself. The AWS SDK has to talk to the region the bucket was created in, and the exporter
 * cannot know it in advance, so it asks (seed: "This is an unfortunate necessity").
 */
export const BUCKET_ACTIONS = ['s3:GetBucketLocation'] as const;

/** On `<bucket>/<prefix>/*.jsonl` only: the exporter only ever writes `.jsonl` objects under its prefix. */
export const OBJECT_ACTIONS = ['s3:PutObject'] as const;

/**
 * On the bucket's KMS key, only when the bucket encrypts with SSE-KMS: for a PutObject, S3 asks KMS for a data
 * key in the writer's name, which needs `kms:GenerateDataKey` on that key. `kms:Decrypt` is NOT needed: it
 * is only used to complete multipart uploads, and the runtime writes each object with a single PutObject.
 */
export const KMS_ACTIONS_FOR_PUT_OBJECT = ['kms:GenerateDataKey'] as const;

/** What the ECS agent needs to read the sink's credentials for the task: that one secret, nothing else. */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;

/**
 * Only when the sink's secret is encrypted with a customer managed KMS key: Secrets Manager decrypts the
 * value with the caller's permission on that key (the AWS managed key needs no grant).
 */
export const KMS_ACTIONS_FOR_SECRET_READ = ['kms:Decrypt'] as const;

/** What the ECS agent needs to ship the container's stdout to the exporter's log group. */
export const LOG_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** What the ECS agent needs to pull the bundled image from the ECR repository this library creates. */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
] as const;

/** ECR login: this action has no resource-level scoping, so its statement must name "*". */
export const ECR_AUTH_ACTIONS = ['ecr:GetAuthorizationToken'] as const;

/** An IAM policy statement as JSON (the subset this library writes). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
}

/** An IAM policy document as JSON. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

/** A policy document with the given statements. */
export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** An Allow statement, with a single action or resource written as a string, as the seed writes them. */
export function allow(actions: readonly string[], resources: readonly string[]): PolicyStatement {
  return {
    Effect: 'Allow',
    Action: [...actions],
    Resource: resources.length === 1 ? resources[0] : [...resources],
  };
}
