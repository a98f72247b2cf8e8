/**
 * Which attributes of which resources hold secrets in plain text, and where references to them appear in a
 * synthesized stack (also through locals), so guards and the review can tell where a secret flows.
 */
import { traversalsIn } from './expressions';
import { StackGraph } from './graph';

/**
 * Attributes whose value is a secret in plain text, by resource type (data sources as `data.TYPE`). The
 * access key's `encrypted_secret` is not here: with `pgp_key` it is ciphertext only the key owner can read.
 */
export const SECRET_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_iam_access_key: ['secret', 'ses_smtp_password_v4'],
  aws_secretsmanager_secret_version: ['secret_string', 'secret_binary'],
  'data.aws_secretsmanager_secret_version': ['secret_string', 'secret_binary'],
  aws_iam_user_login_profile: ['password'],
  aws_ssm_parameter: ['value', 'insecure_value'],
  'data.aws_ssm_parameter': ['value'],
  aws_db_instance: ['password'],
  aws_rds_cluster: ['master_password'],
  random_password: ['result'],
  // A short-lived registry password, e.g. for the docker provider's registry_auth.
  'data.aws_ecr_authorization_token': ['password', 'authorization_token'],
  tls_private_key: ['private_key_pem', 'private_key_openssh', 'private_key_pem_pkcs8'],
  // GCS sinks: the service account key file (base64) and an HMAC key's secret.
  google_service_account_key: ['private_key'],
  google_storage_hmac_key: ['secret'],
};

/** Types that store secrets encrypted at rest (the places a secret should live). */
export const SECRET_STORE_TYPES = [
  'aws_secretsmanager_secret',
  'aws_secretsmanager_secret_version',
  'aws_kms_key',
] as const;

/** A reference to a secret-bearing attribute, e.g. `aws_iam_access_key.Key.secret`. */
export interface SecretReference {
  /** The node whose attribute is secret. */
  readonly node: string;
  readonly attribute: string;
  /** The traversal as written. */
  readonly text: string;
}

/** The secret-bearing attributes a value references, also through locals. */
export function secretReferencesIn(graph: StackGraph, value: unknown): SecretReference[] {
  const found = new Map<string, SecretReference>();
  const locals = (graph.document.locals ?? {}) as Record<string, unknown>;
  const seenLocals = new Set<string>();
  const visit = (v: unknown) => {
    for (const t of traversalsIn(v)) {
      if (t.root.startsWith('local.')) {
        const name = t.root.slice('local.'.length);
        if (!seenLocals.has(name)) {
          seenLocals.add(name);
          visit(locals[name]);
        }
        continue;
      }
      const node = graph.node(t.root);
      if (node === undefined) continue;
      const typeKey = node.mode === 'data' ? `data.${node.type}` : node.type;
      const attributes = SECRET_ATTRIBUTES[typeKey] ?? [];
      const rest = t.text.slice(t.root.length).replace(/^\[[^\]]*\]/, '');
      const attribute = /^\.([\w-]+)/.exec(rest)?.[1];
      // A whole-object reference (`aws_iam_access_key.Key`) carries every attribute, secrets included.
      const hits = attribute === undefined ? attributes : attributes.filter((a) => a === attribute);
      for (const a of hits)
        found.set(`${node.address}.${a}`, { node: node.address, attribute: a, text: t.text });
    }
  };
  visit(value);
  return [...found.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

/** Where a secret-bearing attribute is referenced: node addresses, `output.NAME` and `provider.NAME`. */
export interface SecretUse {
  readonly by: string;
  /** The top-level attribute of `by` that holds the reference (`secret_string`, `tags`, `value`). */
  readonly attribute: string;
  readonly reference: SecretReference;
}

/** Every place in the stack that references a secret-bearing attribute, sorted. */
export function secretUses(graph: StackGraph): SecretUse[] {
  const uses: SecretUse[] = [];
  for (const node of graph.nodes) {
    for (const [attribute, value] of Object.entries(node.block)) {
      if (attribute === '//' || attribute === 'depends_on') continue;
      for (const reference of secretReferencesIn(graph, value))
        uses.push({ by: node.address, attribute, reference });
    }
  }
  for (const output of graph.outputs) {
    for (const reference of secretReferencesIn(graph, output.value)) {
      uses.push({ by: `output.${output.name}`, attribute: 'value', reference });
    }
  }
  const providers = (graph.document.provider ?? {}) as Record<string, unknown>;
  for (const [name, configs] of Object.entries(providers)) {
    for (const config of Array.isArray(configs) ? configs : [configs]) {
      for (const [attribute, value] of Object.entries((config ?? {}) as Record<string, unknown>)) {
        for (const reference of secretReferencesIn(graph, value))
          uses.push({ by: `provider.${name}`, attribute, reference });
      }
    }
  }
  return uses.sort(
    (a, b) =>
      compare(a.by, b.by) || compare(a.attribute, b.attribute) || compare(a.reference.text, b.reference.text),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
