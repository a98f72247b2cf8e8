/**
 * Google Cloud IAM grants in a synthesized stack, for the GCS guards and the review: bucket-level
 * `google_storage_bucket_iam_member`/`_binding`/`_policy` and project-level `google_project_iam_*`, each
 * with its role, members and IAM condition; and the GCS sink writers (service accounts whose key is stored
 * in a Secrets Manager secret version, i.e. in a sink).
 */
import { refTo } from './iam';
import { StackGraph } from './graph';
import { secretUses } from './secrets';

/** One role granted to members, on a bucket or a whole project. */
export interface GcsGrant {
  readonly address: string;
  readonly scope: 'bucket' | 'project';
  /** The bucket attribute as written (a literal name or a reference), for bucket grants. */
  readonly bucket?: string;
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: { readonly title?: string; readonly expression: string };
  /** Set when the grant cannot be read (an IAM policy document built elsewhere). */
  readonly unreadable?: string;
}

const MEMBER_TYPES = ['google_storage_bucket_iam_member', 'google_project_iam_member'];
const BINDING_TYPES = ['google_storage_bucket_iam_binding', 'google_project_iam_binding'];
const POLICY_TYPES = ['google_storage_bucket_iam_policy', 'google_project_iam_policy'];

/** Every GCS-relevant IAM grant of the stack, in address order. */
export function gcsGrants(graph: StackGraph): GcsGrant[] {
  const grants: GcsGrant[] = [];
  const scopeOf = (type: string) => (type.startsWith('google_storage_bucket') ? 'bucket' : 'project');
  for (const type of [...MEMBER_TYPES, ...BINDING_TYPES]) {
    for (const node of graph.ofType(type)) {
      const members = type.endsWith('_member') ? [node.block.member] : asList(node.block.members);
      grants.push({
        address: node.address,
        scope: scopeOf(type),
        ...(scopeOf(type) === 'bucket' && { bucket: String(node.block.bucket) }),
        role: String(node.block.role),
        members: members.map(String),
        ...conditionOf(node.block.condition),
      });
    }
  }
  for (const type of POLICY_TYPES) {
    for (const node of graph.ofType(type)) {
      const policy = parsePolicy(node.block.policy_data);
      const base = {
        address: node.address,
        scope: scopeOf(type),
        ...(scopeOf(type) === 'bucket' && { bucket: String(node.block.bucket) }),
      } as const;
      if (policy === undefined) {
        grants.push({
          ...base,
          role: '?',
          members: [],
          unreadable: 'its policy_data is built elsewhere (a data source or an expression)',
        });
        continue;
      }
      for (const binding of policy) {
        grants.push({
          ...base,
          role: String(binding.role),
          members: asList(binding.members).map(String),
          ...conditionOf(binding.condition),
        });
      }
    }
  }
  return grants.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** A GCS sink writer: a service account whose key fills a sink secret. */
export interface GcsWriter {
  /** The `google_service_account` address. */
  readonly address: string;
  /** The key whose private key the sink stores. */
  readonly key: string;
  /** The secret version holding it. */
  readonly storedIn: string;
}

/** The service accounts whose key's private key is stored in a Secrets Manager secret version. */
export function gcsWriters(graph: StackGraph): GcsWriter[] {
  const writers = new Map<string, GcsWriter>();
  for (const use of secretUses(graph)) {
    const key = graph.node(use.reference.node);
    if (key?.type !== 'google_service_account_key') continue;
    if (graph.node(use.by)?.type !== 'aws_secretsmanager_secret_version') continue;
    const account = refTo(graph, key.block.service_account_id, 'google_service_account');
    if (account !== undefined && !writers.has(account)) {
      writers.set(account, { address: account, key: key.address, storedIn: use.by });
    }
  }
  return [...writers.values()];
}

/** Whether a grant's member string names this service account (by reference or by its e-mail). */
export function grantsTo(graph: StackGraph, grant: GcsGrant, account: string): boolean {
  return grant.members.some((member) => refTo(graph, member, 'google_service_account') === account);
}

/** The members nobody should have on an export bucket: everyone on the internet, any Google account. */
export const PUBLIC_MEMBERS = ['allUsers', 'allAuthenticatedUsers'];

function conditionOf(raw: unknown): { condition?: GcsGrant['condition'] } {
  const condition = asList(raw)[0] as Record<string, unknown> | undefined;
  if (condition === undefined || typeof condition.expression !== 'string') return {};
  return {
    condition: {
      expression: condition.expression,
      ...(typeof condition.title === 'string' && { title: condition.title }),
    },
  };
}

function parsePolicy(raw: unknown): Array<Record<string, unknown>> | undefined {
  if (typeof raw !== 'string' || raw.includes('${')) return undefined;
  try {
    const parsed = JSON.parse(raw) as { bindings?: Array<Record<string, unknown>> };
    return parsed.bindings ?? [];
  } catch {
    return undefined;
  }
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
