/** The sink's secret on moto's Secrets Manager. */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ResourceHandler } from '../types';
import { optionalNumber, optionalString, requireString, tagList, uniqueName } from './arguments';

export const secretsManagerSecret: ResourceHandler = {
  locally: 'secret on moto Secrets Manager',
  async create(address, config, { aws }) {
    const name = optionalString(config, 'name') ?? uniqueName(optionalString(config, 'name_prefix'), 256);
    const { ARN } = await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: name,
        Description: optionalString(config, 'description'),
        KmsKeyId: optionalString(config, 'kms_key_id'),
        Tags: tagList(config.tags, address),
      }),
    );
    return { id: ARN!, arn: ARN!, name };
  },
  async destroy(resource, { aws }) {
    // Terraform's default recovery window is 30 days; 0 deletes at once.
    const window = optionalNumber(resource.attributes, 'recovery_window_in_days') ?? 30;
    await aws.secretsManager.send(
      new DeleteSecretCommand({
        SecretId: String(resource.attributes.arn),
        ...(window === 0 ? { ForceDeleteWithoutRecovery: true } : { RecoveryWindowInDays: window }),
      }),
    );
    return window === 0
      ? `deleted secret ${resource.attributes.name}`
      : `scheduled secret ${resource.attributes.name} for deletion in ${window} days (its recovery window)`;
  },
};

export const secretsManagerSecretVersion: ResourceHandler = {
  locally: 'secret value on moto Secrets Manager',
  sensitive: ['secret_string', 'secret_binary'],
  async create(address, config, { aws }) {
    const secretId = requireString(config, 'secret_id', address);
    const { VersionId, ARN } = await aws.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: requireString(config, 'secret_string', address),
        ...(Array.isArray(config.version_stages) && { VersionStages: config.version_stages.map(String) }),
      }),
    );
    return { id: `${secretId}|${VersionId!}`, arn: ARN!, version_id: VersionId! };
  },
  async destroy(resource) {
    // Terraform leaves a version that is AWSCURRENT in place: it goes when its secret goes.
    return `value ${resource.attributes.version_id} stays with its secret until the secret is deleted`;
  },
};

/**
 * Reads what an ECS `secrets` entry points at: a secret ARN, optionally followed by
 * `:<json-key>:<version-stage>:<version-id>` (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
 */
export async function readSecretReference(client: SecretsManagerClient, valueFrom: string): Promise<string> {
  const parts = valueFrom.split(':');
  const isArn = parts[0] === 'arn';
  const secretId = isArn ? parts.slice(0, 7).join(':') : valueFrom;
  const [jsonKey, versionStage, versionId] = isArn ? parts.slice(7) : [];
  const { SecretString } = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(versionStage ? { VersionStage: versionStage } : {}),
      ...(versionId ? { VersionId: versionId } : {}),
    }),
  );
  if (SecretString === undefined) throw new Error(`secret ${secretId} has no string value`);
  if (!jsonKey) return SecretString;
  const parsed = JSON.parse(SecretString) as Record<string, unknown>;
  if (!(jsonKey in parsed)) throw new Error(`secret ${secretId} has no JSON key "${jsonKey}"`);
  const value = parsed[jsonKey];
  return typeof value === 'string' ? value : JSON.stringify(value);
}
