/**
 * Which resource types the local applier knows, and what each becomes locally. A type that is in neither
 * list is an error naming it: nothing in a plan is ever silently skipped.
 */
import { DataSourceHandler, ResourceHandler } from './types';
import { awsCallerIdentity, awsPartition, awsRegion } from './resources/data-sources';
import { ecsService, ecsTaskDefinition, ServiceRuntimeOptions } from './resources/ecs';
import {
  iamAccessKey,
  iamRole,
  iamRolePolicy,
  iamRolePolicyAttachment,
  iamUser,
  iamUserPolicy,
} from './resources/iam';
import { cloudwatchLogGroup } from './resources/logs';
import {
  s3Bucket,
  s3BucketLifecycleConfiguration,
  s3BucketOwnershipControls,
  s3BucketPolicy,
  s3BucketPublicAccessBlock,
  s3BucketServerSideEncryption,
  s3BucketVersioning,
} from './resources/s3';
import { secretsManagerSecret, secretsManagerSecretVersion } from './resources/secrets';
import { LocalExecOptions, terraformData } from './resources/terraform-data';

/**
 * Types with no local meaning, recorded as "no-op locally" and printed as such. References to their
 * attributes resolve to a placeholder (`noop:<address>.<attribute>`) that nothing local uses.
 */
export const NO_OP_TYPES: Readonly<Record<string, string>> = {
  aws_ecs_cluster: 'no cluster locally: tasks run as processes on this machine',
  aws_ecr_repository: "no registry locally: tasks run the image's entry point from dist/",
  aws_ecr_lifecycle_policy: 'no registry locally',
  aws_ecr_repository_policy: 'no registry locally',
  docker_image: "no image build locally: tasks run the image's entry point from dist/",
  docker_registry_image: 'no registry push locally',
  aws_security_group: 'no networking locally: every task uses 127.0.0.1',
  aws_security_group_rule: 'no networking locally',
  aws_vpc_security_group_egress_rule: 'no networking locally',
  aws_vpc_security_group_ingress_rule: 'no networking locally',
};

/** Data sources with no local meaning (network lookups); their attributes are placeholders too. */
export const NO_OP_DATA_TYPES: Readonly<Record<string, string>> = {
  aws_vpc: 'no networking locally',
  aws_subnets: 'no networking locally',
  aws_subnet: 'no networking locally',
  aws_security_group: 'no networking locally',
  aws_ecr_authorization_token: 'no registry locally',
};

export function resourceHandlers(
  services: ServiceRuntimeOptions,
  localExec: LocalExecOptions,
): Readonly<Record<string, ResourceHandler>> {
  return {
    terraform_data: terraformData(localExec),
    aws_s3_bucket: s3Bucket,
    aws_s3_bucket_public_access_block: s3BucketPublicAccessBlock,
    aws_s3_bucket_ownership_controls: s3BucketOwnershipControls,
    aws_s3_bucket_server_side_encryption_configuration: s3BucketServerSideEncryption,
    aws_s3_bucket_lifecycle_configuration: s3BucketLifecycleConfiguration,
    aws_s3_bucket_policy: s3BucketPolicy,
    aws_s3_bucket_versioning: s3BucketVersioning,
    aws_iam_user: iamUser,
    aws_iam_user_policy: iamUserPolicy,
    aws_iam_access_key: iamAccessKey,
    aws_iam_role: iamRole,
    aws_iam_role_policy: iamRolePolicy,
    aws_iam_role_policy_attachment: iamRolePolicyAttachment,
    aws_secretsmanager_secret: secretsManagerSecret,
    aws_secretsmanager_secret_version: secretsManagerSecretVersion,
    aws_cloudwatch_log_group: cloudwatchLogGroup,
    aws_ecs_task_definition: ecsTaskDefinition,
    aws_ecs_service: ecsService(services),
  };
}

export const DATA_SOURCE_HANDLERS: Readonly<Record<string, DataSourceHandler>> = {
  aws_region: awsRegion,
  aws_caller_identity: awsCallerIdentity,
  aws_partition: awsPartition,
};
