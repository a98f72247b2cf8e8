/**
 * The review report of synthesized stacks: what a reviewer approving a plan needs at a glance, as one
 * plain data structure that the text, JSON and picture renderers share.
 */
import { NodeMode, StackGraph } from '../plan/graph';

/** Resources of one type in one stack. */
export interface ResourceTypeSummary {
  readonly type: string;
  readonly mode: NodeMode;
  readonly addresses: readonly string[];
}

/** The review of one stack. */
export interface StackReview {
  readonly stack: string;
  readonly resourcesByType: readonly ResourceTypeSummary[];
  readonly createOrder: readonly string[];
  readonly destroyOrder: readonly string[];
  readonly referencesOutsideStack: readonly { readonly from: string; readonly to: string }[];
}

/** The review of every stack of one synth output. */
export interface ReviewReport {
  /** Bumped when a field changes meaning, so policy gates can check what they read. */
  readonly reportVersion: 1;
  readonly stacks: readonly StackReview[];
}

/** Reviews the given stacks. */
export function reviewStacks(graphs: readonly StackGraph[]): ReviewReport {
  return { reportVersion: 1, stacks: graphs.map(reviewStack) };
}

function reviewStack(graph: StackGraph): StackReview {
  const byType = new Map<string, { type: string; mode: NodeMode; addresses: string[] }>();
  for (const node of graph.nodes) {
    const key = `${node.mode}:${node.type}`;
    const entry = byType.get(key) ?? { type: node.type, mode: node.mode, addresses: [] };
    entry.addresses.push(node.address);
    byType.set(key, entry);
  }
  return {
    stack: graph.stackName,
    resourcesByType: [...byType.values()].sort((a, b) =>
      a.mode === b.mode ? (a.type < b.type ? -1 : 1) : a.mode === 'managed' ? -1 : 1,
    ),
    createOrder: graph.createOrder(),
    destroyOrder: graph.destroyOrder(),
    referencesOutsideStack: graph.referencesOutsideStack().map((r) => ({ from: r.from, to: r.to })),
  };
}
