/**
 * Where a stack's secrets live and where they flow: the secret stores (Secrets Manager secrets, KMS keys),
 * the access keys (PGP or not, who consumes the secret) and every reference to a secret-bearing attribute,
 * marking the ones that reach an output, a tag or an environment variable.
 */
import { StackGraph } from './plan/graph';
import { refTo } from './plan/iam';
import { SecretUse, secretUses } from './plan/secrets';

export interface SecretStore {
  readonly address: string;
  readonly type: string;
  readonly constructPath?: string;
  /** For secrets: the KMS key that encrypts it (`aws/secretsmanager` when none is given). */
  readonly encryptedWith?: string;
  /** For KMS keys: whether yearly rotation is on. */
  readonly rotation?: boolean;
}

export interface AccessKeyReview {
  readonly address: string;
  readonly user?: string;
  /** True when the secret is PGP-encrypted in the state. */
  readonly pgp: boolean;
  /** Who reads the key's secret (node address and attribute). */
  readonly secretConsumers: readonly string[];
}

export interface SecretFlow {
  /** The secret-bearing attribute, e.g. `aws_iam_access_key.Key.secret`. */
  readonly secret: string;
  /** Where it is used: a node address, `output.NAME` or `provider.NAME`, with the attribute. */
  readonly usedBy: string;
  /** Set when this use exposes the secret: `output`, `tag` or `environment`. */
  readonly exposedIn?: 'output' | 'tag' | 'environment';
}

export interface SecretsReview {
  readonly stores: readonly SecretStore[];
  readonly accessKeys: readonly AccessKeyReview[];
  readonly flows: readonly SecretFlow[];
  /** True when no secret reaches an output, a tag or an environment variable. */
  readonly contained: boolean;
}

export function reviewSecrets(graph: StackGraph): SecretsReview {
  const stores: SecretStore[] = [];
  for (const secret of graph.ofType('aws_secretsmanager_secret')) {
    stores.push({
      address: secret.address,
      type: secret.type,
      constructPath: secret.constructPath,
      encryptedWith:
        refTo(graph, secret.block.kms_key_id, 'aws_kms_key') ??
        (secret.block.kms_key_id as string | undefined) ??
        'aws/secretsmanager (AWS managed key)',
    });
  }
  for (const key of graph.ofType('aws_kms_key')) {
    stores.push({
      address: key.address,
      type: key.type,
      constructPath: key.constructPath,
      rotation: key.block.enable_key_rotation === true,
    });
  }
  const uses = secretUses(graph);
  const accessKeys = graph.ofType('aws_iam_access_key').map((key) => ({
    address: key.address,
    user: refTo(graph, key.block.user, 'aws_iam_user'),
    pgp: typeof key.block.pgp_key === 'string' && key.block.pgp_key !== '',
    secretConsumers: [
      ...new Set(uses.filter((u) => u.reference.node === key.address).map((u) => `${u.by} (${u.attribute})`)),
    ],
  }));
  const flows = uses.map((u) => {
    const exposedIn = exposure(graph, u);
    return {
      secret: `${u.reference.node}.${u.reference.attribute}`,
      usedBy: `${u.by} (${u.attribute})`,
      ...(exposedIn ? { exposedIn } : {}),
    };
  });
  return { stores, accessKeys, flows, contained: flows.every((f) => f.exposedIn === undefined) };
}

function exposure(graph: StackGraph, use: SecretUse): SecretFlow['exposedIn'] {
  if (use.by.startsWith('output.')) return 'output';
  if (['tags', 'tags_all', 'default_tags'].includes(use.attribute)) return 'tag';
  if (use.attribute === 'environment') return 'environment';
  if (graph.node(use.by)?.type === 'aws_ecs_task_definition' && use.attribute === 'container_definitions') {
    // Container definitions carry both plain `environment` and `secrets` (ARNs only): a secret value
    // referenced here is plain environment (or another plain field).
    return 'environment';
  }
  return undefined;
}
