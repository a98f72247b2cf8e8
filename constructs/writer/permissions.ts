/**
 * The permissions this library grants beyond the writer's S3 policy, as named constants with the reason for
 * each (aws-cdk `perms.ts`). The writer's S3 policy itself (the minimal set of permissions) comes
 * from the one builder shared with the runtime's `policy` command: runtime/config/policy.ts.
 */

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

/** An Allow statement as AWS's policy examples write them: actions as a list, one resource as a string. */
export interface AllowStatement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
}

/** An IAM policy document with Allow statements only (all this library grants). */
export interface AllowPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly AllowStatement[];
}

/** An Allow statement; a single resource is written as a string. */
export function allow(actions: readonly string[], resources: readonly string[]): AllowStatement {
  return {
    Effect: 'Allow',
    Action: [...actions],
    Resource: resources.length === 1 ? resources[0] : [...resources],
  };
}

/** A policy document with the given statements. */
export function policyDocument(statements: readonly AllowStatement[]): AllowPolicyDocument {
  return { Version: '2012-10-17', Statement: [...statements] };
}
