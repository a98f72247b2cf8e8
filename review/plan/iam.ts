/**
 * Every IAM permission a synthesized stack grants: identity policies of users, roles and groups (inline,
 * attached, or in the role's own blocks) and resource policies (bucket, key, secret), read into one
 * normalized statement shape whichever way the program wrote them (JSON.stringify, Fn.jsonencode or an
 * `aws_iam_policy_document` data source).
 */
import { decodeJsonAttribute } from './encoded-json';
import { traversalsIn } from './expressions';
import { GraphNode, StackGraph } from './graph';
import { bucketNodeNamed } from './s3-arn';

/** One policy statement, normalized: single values become lists, absent lists are empty. */
export interface NormalizedStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** Principals of resource policies, e.g. `{ AWS: ['*'] }`; empty for identity policies. */
  readonly principals: Readonly<Record<string, readonly string[]>>;
  /** Conditions as in the policy JSON: `{ Bool: { 'aws:SecureTransport': ['false'] } }`. */
  readonly conditions: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** A policy as read from the document, or why it could not be read. */
export type ReadPolicy =
  | { readonly ok: true; readonly statements: readonly NormalizedStatement[] }
  | { readonly ok: false; readonly reason: string };

/** Who holds a permission. */
export interface Principal {
  readonly kind: 'user' | 'role' | 'group' | 'resource';
  /** Address of the user, role or group; for resource policies, of the resource the policy protects. */
  readonly address: string;
}

/** One policy that grants permissions, where it comes from and what it says. */
export interface PolicyGrant {
  readonly principal: Principal;
  /** The node that holds the policy text (e.g. `aws_iam_user_policy.X`, `aws_iam_role.R` for inline). */
  readonly source: string;
  /** The attribute or block of `source` that holds it (`policy`, `inline_policy[0].policy`). */
  readonly attribute: string;
  readonly policy: ReadPolicy;
  /** A managed policy attached by ARN that the plan does not contain (e.g. an AWS managed policy). */
  readonly managedPolicyArn?: string;
}

/** Reads a policy attribute as synthesized. */
export function readPolicy(graph: StackGraph, raw: unknown): ReadPolicy {
  if (typeof raw === 'string') {
    const docRef = /^\$\{(data\.aws_iam_policy_document\.[\w-]+)\.(json|minified_json)\}$/.exec(raw.trim());
    if (docRef !== null) {
      const doc = graph.node(docRef[1]);
      if (doc === undefined) return { ok: false, reason: `${docRef[1]} is not in the stack` };
      return fromPolicyDocumentData(doc);
    }
  }
  const decoded = decodeJsonAttribute(raw);
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  return fromJson(decoded.value);
}

function fromJson(value: unknown): ReadPolicy {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'the policy is not a JSON object' };
  }
  const raw = (value as { Statement?: unknown }).Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements: NormalizedStatement[] = [];
  for (const s of list) {
    if (s === null || typeof s !== 'object') return { ok: false, reason: 'a statement is not an object' };
    const st = s as Record<string, unknown>;
    statements.push({
      sid: typeof st.Sid === 'string' ? st.Sid : undefined,
      effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
      actions: strings(st.Action),
      notActions: strings(st.NotAction),
      resources: strings(st.Resource),
      notResources: strings(st.NotResource),
      principals: principalsOf(st.Principal),
      conditions: conditionsOf(st.Condition),
    });
  }
  return { ok: true, statements };
}

/** An `aws_iam_policy_document` data source's statements in policy-JSON terms. */
function fromPolicyDocumentData(doc: GraphNode): ReadPolicy {
  const block = doc.block as Record<string, unknown>;
  for (const merged of ['source_policy_documents', 'override_policy_documents']) {
    if (block[merged] !== undefined) {
      return { ok: false, reason: `${doc.address} merges ${merged}, which only Terraform can evaluate` };
    }
  }
  const statements: NormalizedStatement[] = [];
  for (const s of asList(block.statement)) {
    const st = s as Record<string, unknown>;
    const principals: Record<string, string[]> = {};
    for (const p of asList(st.principals)) {
      const pr = p as { type?: string; identifiers?: unknown };
      principals[pr.type ?? 'AWS'] = [...(principals[pr.type ?? 'AWS'] ?? []), ...strings(pr.identifiers)];
    }
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const c of asList(st.condition)) {
      const cond = c as { test?: string; variable?: string; values?: unknown };
      const test = cond.test ?? '';
      conditions[test] = { ...(conditions[test] ?? {}), [cond.variable ?? '']: strings(cond.values) };
    }
    statements.push({
      sid: typeof st.sid === 'string' ? st.sid : undefined,
      effect: st.effect === 'Deny' ? 'Deny' : 'Allow',
      actions: strings(st.actions),
      notActions: strings(st.not_actions),
      resources: strings(st.resources),
      notResources: strings(st.not_resources),
      principals,
      conditions,
    });
  }
  return { ok: true, statements };
}

/** Every policy in the stack that grants or restricts permissions, sorted by source. */
export function policyGrants(graph: StackGraph): PolicyGrant[] {
  const grants: PolicyGrant[] = [];
  const principalAt = (raw: unknown, kind: Principal['kind'], type: string): Principal => {
    const target = refOrNamed(graph, raw, type);
    return { kind, address: target ?? `${type}:${String(raw)}` };
  };
  const inline: [string, Principal['kind'], string, string][] = [
    ['aws_iam_user_policy', 'user', 'aws_iam_user', 'user'],
    ['aws_iam_role_policy', 'role', 'aws_iam_role', 'role'],
    ['aws_iam_group_policy', 'group', 'aws_iam_group', 'group'],
  ];
  for (const [type, kind, principalType, attr] of inline) {
    for (const n of graph.ofType(type)) {
      grants.push({
        principal: principalAt(n.block[attr], kind, principalType),
        source: n.address,
        attribute: 'policy',
        policy: readPolicy(graph, n.block.policy),
      });
    }
  }
  const attachments: [string, Principal['kind'], string, string][] = [
    ['aws_iam_user_policy_attachment', 'user', 'aws_iam_user', 'user'],
    ['aws_iam_role_policy_attachment', 'role', 'aws_iam_role', 'role'],
    ['aws_iam_group_policy_attachment', 'group', 'aws_iam_group', 'group'],
  ];
  for (const [type, kind, principalType, attr] of attachments) {
    for (const n of graph.ofType(type)) {
      grants.push(
        attachedGrant(graph, principalAt(n.block[attr], kind, principalType), n, n.block.policy_arn),
      );
    }
  }
  for (const n of graph.ofType('aws_iam_policy_attachment')) {
    for (const [attr, kind, principalType] of [
      ['users', 'user', 'aws_iam_user'],
      ['roles', 'role', 'aws_iam_role'],
      ['groups', 'group', 'aws_iam_group'],
    ] as const) {
      for (const p of asList(n.block[attr])) {
        grants.push(attachedGrant(graph, principalAt(p, kind, principalType), n, n.block.policy_arn));
      }
    }
  }
  for (const role of graph.ofType('aws_iam_role')) {
    const principal: Principal = { kind: 'role', address: role.address };
    asList(role.block.inline_policy).forEach((p, i) => {
      const ip = p as { policy?: unknown };
      if (ip.policy !== undefined) {
        grants.push({
          principal,
          source: role.address,
          attribute: `inline_policy[${i}].policy`,
          policy: readPolicy(graph, ip.policy),
        });
      }
    });
    for (const arn of strings(role.block.managed_policy_arns)) {
      grants.push(attachedGrant(graph, principal, role, arn));
    }
  }
  const resourcePolicies: [string, string, string][] = [
    ['aws_s3_bucket_policy', 'bucket', 'policy'],
    ['aws_secretsmanager_secret_policy', 'secret_arn', 'policy'],
    ['aws_kms_key_policy', 'key_id', 'policy'],
  ];
  for (const [type, attr, policyAttr] of resourcePolicies) {
    for (const n of graph.ofType(type)) {
      const raw = n.block[attr];
      const named =
        type === 'aws_s3_bucket_policy' && typeof raw === 'string' ? bucketNodeNamed(graph, raw) : undefined;
      const protectedAddress = refTo(graph, raw, undefined) ?? named ?? String(raw);
      grants.push({
        principal: { kind: 'resource', address: protectedAddress },
        source: n.address,
        attribute: policyAttr,
        policy: readPolicy(graph, n.block[policyAttr]),
      });
    }
  }
  for (const [type, attr] of [
    ['aws_kms_key', 'policy'],
    ['aws_secretsmanager_secret', 'policy'],
    // A role's trust policy: who may assume it (a resource policy on the role).
    ['aws_iam_role', 'assume_role_policy'],
  ] as const) {
    for (const n of graph.ofType(type)) {
      if (n.block[attr] === undefined) continue;
      grants.push({
        principal: { kind: 'resource', address: n.address },
        source: n.address,
        attribute: attr,
        policy: readPolicy(graph, n.block[attr]),
      });
    }
  }
  return grants.sort((a, b) => compare(a.source, b.source) || compare(a.attribute, b.attribute));
}

function attachedGrant(
  graph: StackGraph,
  principal: Principal,
  holder: GraphNode,
  policyArn: unknown,
): PolicyGrant {
  const policyNode = refTo(graph, policyArn, 'aws_iam_policy');
  if (policyNode !== undefined) {
    return {
      principal,
      source: policyNode,
      attribute: 'policy',
      policy: readPolicy(graph, graph.get(policyNode).block.policy),
    };
  }
  return {
    principal,
    source: holder.address,
    attribute: 'policy_arn',
    managedPolicyArn: String(policyArn),
    policy: { ok: false, reason: `the managed policy ${String(policyArn)} is not part of the plan` },
  };
}

/** The declared node a value references (of `type`, when given), e.g. `${aws_iam_user.U.name}`. */
export function refTo(graph: StackGraph, raw: unknown, type: string | undefined): string | undefined {
  for (const t of traversalsIn(raw)) {
    const node = graph.node(t.root);
    if (node !== undefined && (type === undefined || node.type === type)) return node.address;
  }
  return undefined;
}

/**
 * The declared node of `type` a value references, or whose `name` it is (`user = "writer"` written as a
 * literal instead of a reference).
 */
export function refOrNamed(graph: StackGraph, raw: unknown, type: string): string | undefined {
  return (
    refTo(graph, raw, type) ??
    graph.ofType(type).find((n) => typeof raw === 'string' && n.block.name === raw)?.address
  );
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function principalsOf(value: unknown): Record<string, string[]> {
  if (value === undefined) return {};
  if (typeof value === 'string') return { AWS: [value] };
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = strings(v);
  return out;
}

function conditionsOf(value: unknown): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const [op, byKey] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    out[op] = {};
    for (const [k, v] of Object.entries((byKey ?? {}) as Record<string, unknown>)) out[op][k] = strings(v);
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
