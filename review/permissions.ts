/**
 * Every IAM permission a stack grants, for the reviewer: principal, actions, resources and conditions per
 * statement, each marked with what goes beyond least privilege. Sink writers are held to the seed's exact
 * set (the same rule as the SinkWriterLeastPrivilege guard); other principals are marked for wildcards,
 * NotAction/NotResource, public principals and managed policies the plan cannot show.
 */
import { findSinkWriters, statementProblems, writerBucketKeys } from './guards/sink-writer-least-privilege';
import { StackGraph } from './plan/graph';
import { NormalizedStatement, PolicyGrant, policyGrants } from './plan/iam';

/** One reviewed statement. */
export interface ReviewedStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly notResources?: readonly string[];
  readonly principals?: Readonly<Record<string, readonly string[]>>;
  readonly conditions?: NormalizedStatement['conditions'];
  /** What this statement grants beyond least privilege; empty when nothing. */
  readonly beyondLeastPrivilege: readonly string[];
}

/** One reviewed policy. */
export interface ReviewedGrant {
  /** `user`, `role`, `group`, or `resource` for resource policies (bucket, key, secret). */
  readonly principalKind: PolicyGrant['principal']['kind'];
  readonly principal: string;
  /** Why the principal is held to the sink writer's least privilege, when it is. */
  readonly sinkWriter?: string;
  readonly source: string;
  readonly attribute: string;
  /** Set when the policy cannot be read from the plan (computed, or a managed policy). */
  readonly unreadable?: string;
  readonly statements: readonly ReviewedStatement[];
  /** True when no statement (and nothing unreadable) goes beyond least privilege. */
  readonly leastPrivilege: boolean;
}

/** Actions that have no resource-level permissions, so `*` is their least privilege. */
const RESOURCE_WILDCARD_ONLY = new Set(['ecr:getauthorizationtoken', 'sts:getcalleridentity']);

/** The permissions granted in a stack, sorted by principal and source. */
export function reviewPermissions(graph: StackGraph): ReviewedGrant[] {
  const grants = policyGrants(graph);
  const writers = new Map(findSinkWriters(graph, grants).map((w) => [w.address, w.why]));
  return grants
    .map((grant): ReviewedGrant => {
      const sinkWriter =
        grant.principal.kind === 'resource' ? undefined : writers.get(grant.principal.address);
      const base = {
        principalKind: grant.principal.kind,
        principal: grant.principal.address,
        ...(sinkWriter !== undefined ? { sinkWriter } : {}),
        source: grant.source,
        attribute: grant.attribute,
      };
      if (!grant.policy.ok) {
        return { ...base, unreadable: grant.policy.reason, statements: [], leastPrivilege: false };
      }
      const kmsKeys =
        sinkWriter !== undefined ? writerBucketKeys(graph, grant.policy.statements) : new Set<string>();
      const statements = grant.policy.statements.map((s): ReviewedStatement => {
        const beyond =
          sinkWriter !== undefined
            ? statementProblems(graph, s, kmsKeys)
            : genericProblems(s, grant.principal.kind === 'resource');
        return {
          effect: s.effect,
          actions: s.actions,
          ...(s.notActions.length > 0 ? { notActions: s.notActions } : {}),
          resources: s.resources,
          ...(s.notResources.length > 0 ? { notResources: s.notResources } : {}),
          ...(Object.keys(s.principals).length > 0 ? { principals: s.principals } : {}),
          ...(Object.keys(s.conditions).length > 0 ? { conditions: s.conditions } : {}),
          beyondLeastPrivilege: beyond,
        };
      });
      return {
        ...base,
        statements,
        leastPrivilege: statements.every((s) => s.beyondLeastPrivilege.length === 0),
      };
    })
    .sort(
      (a, b) =>
        compare(a.principal, b.principal) || compare(a.source, b.source) || compare(a.attribute, b.attribute),
    );
}

function genericProblems(s: NormalizedStatement, resourcePolicy: boolean): string[] {
  if (s.effect === 'Deny') return [];
  const problems: string[] = [];
  if (s.notActions.length > 0) problems.push('NotAction allows every other action');
  if (s.notResources.length > 0) problems.push('NotResource applies to every other resource');
  for (const a of s.actions) {
    if (a === '*' || a.endsWith(':*')) {
      // The AWS default key policy gives the account (and so IAM) control of the key; that is its purpose.
      const accountRootOnKey =
        resourcePolicy &&
        a === 'kms:*' &&
        Object.values(s.principals)
          .flat()
          .every((p) => p.endsWith(':root'));
      if (!accountRootOnKey) problems.push(`wildcard action "${a}"`);
    }
  }
  if (!resourcePolicy && s.resources.includes('*')) {
    const scoped = s.actions.filter((a) => !RESOURCE_WILDCARD_ONLY.has(a.toLowerCase()));
    if (scoped.length > 0) problems.push(`resource "*" for ${scoped.join(', ')}`);
  }
  if (resourcePolicy && Object.values(s.principals).flat().includes('*')) {
    const conditioned = Object.keys(s.conditions).length > 0;
    if (!conditioned) problems.push('allows any principal ("*") without a condition');
  }
  return problems;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
