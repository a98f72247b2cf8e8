/**
 * The review report of synthesized stacks: what a reviewer approving a plan needs at a glance, as one
 * plain data structure that the text, JSON and picture renderers share. Deterministic: the same plan gives
 * the same report, byte for byte.
 */
import { CheckovReview } from './checkov-review';
import { ALL_GUARDS } from './guards';
import { GuardFinding, GuardRule } from './guards/finding';
import { NodeMode, StackGraph } from './plan/graph';
import { ExporterReview, reviewExporters } from './exporters';
import { ReviewedGcsGrant, reviewGcsPermissions } from './gcs-permissions';
import { ReviewedGrant, reviewPermissions } from './permissions';
import { reviewSecrets, SecretsReview } from './secrets';

/** Resources of one type in one stack. */
export interface ResourceTypeSummary {
  readonly type: string;
  readonly mode: NodeMode;
  readonly addresses: readonly string[];
}

/** The outcome of one guard rail on one stack. */
export interface GuardResult {
  readonly rule: GuardRule;
  readonly passed: boolean;
  readonly findings: readonly GuardFinding[];
}

/** The review of one stack. */
export interface StackReview {
  readonly stack: string;
  /** True when every guard passes. */
  readonly passed: boolean;
  readonly resourcesByType: readonly ResourceTypeSummary[];
  readonly permissions: readonly ReviewedGrant[];
  /** Google Cloud IAM bindings (GCS sinks); only present when the stack has some. */
  readonly gcsPermissions?: readonly ReviewedGcsGrant[];
  readonly secrets: SecretsReview;
  readonly createOrder: readonly string[];
  readonly destroyOrder: readonly string[];
  readonly exporters: readonly ExporterReview[];
  readonly referencesOutsideStack: readonly { readonly from: string; readonly to: string }[];
  readonly guards: readonly GuardResult[];
}

/** The review of every stack of one synth output. */
export interface ReviewReport {
  /** Bumped when a field changes meaning, so policy gates can check what they read. */
  readonly reportVersion: 1;
  /** True when every guard passes on every stack and checkov (when it ran) failed nothing unskipped: the gate. */
  readonly passed: boolean;
  readonly stacks: readonly StackReview[];
  /** checkov over every stack (set by the review command; see checkov-review.ts). */
  readonly checkov?: CheckovReview;
}

const RULES: readonly GuardRule[] = ['sink-writer-least-privilege', 'secure-bucket', 'no-plaintext-secrets'];

/** Reviews the given stacks. */
export function reviewStacks(graphs: readonly StackGraph[]): ReviewReport {
  const stacks = graphs.map(reviewStack);
  return { reportVersion: 1, passed: stacks.every((s) => s.passed), stacks };
}

export function reviewStack(graph: StackGraph): StackReview {
  const byType = new Map<string, { type: string; mode: NodeMode; addresses: string[] }>();
  for (const node of graph.nodes) {
    const key = `${node.mode}:${node.type}`;
    const entry = byType.get(key) ?? { type: node.type, mode: node.mode, addresses: [] };
    entry.addresses.push(node.address);
    byType.set(key, entry);
  }
  const findings = ALL_GUARDS.flatMap((guard) => guard(graph));
  const guards = RULES.map((rule) => {
    const mine = findings.filter((f) => f.rule === rule);
    return { rule, passed: mine.length === 0, findings: mine };
  });
  return {
    stack: graph.stackName,
    passed: guards.every((g) => g.passed),
    resourcesByType: [...byType.values()].sort((a, b) =>
      a.mode === b.mode ? compare(a.type, b.type) : a.mode === 'managed' ? -1 : 1,
    ),
    permissions: reviewPermissions(graph),
    ...gcsSection(graph),
    secrets: reviewSecrets(graph),
    createOrder: graph.createOrder(),
    destroyOrder: graph.destroyOrder(),
    exporters: reviewExporters(graph),
    referencesOutsideStack: graph.referencesOutsideStack().map((r) => ({ from: r.from, to: r.to })),
    guards,
  };
}

function gcsSection(graph: StackGraph): { gcsPermissions?: ReviewedGcsGrant[] } {
  const gcsPermissions = reviewGcsPermissions(graph);
  return gcsPermissions.length > 0 ? { gcsPermissions } : {};
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
