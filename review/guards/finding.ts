/**
 * What a guard rail reports: one violation, on one resource (or output, or provider), with the fix. Guards
 * are pure functions over a synthesized stack, so the aspects (at synth) and the review command (on a synth
 * output) apply exactly the same rules.
 */
import { StackGraph } from '../plan/graph';

/** The guard rails. */
export type GuardRule = 'sink-writer-least-privilege' | 'secure-bucket' | 'no-plaintext-secrets';

/** One violation. */
export interface GuardFinding {
  readonly rule: GuardRule;
  /** The Terraform address it is about: `type.name`, `output.NAME` or `provider.NAME`. */
  readonly address: string;
  /** The construct path from cdktf's metadata, when the address is a resource. */
  readonly constructPath?: string;
  /** What is wrong, naming the value. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
}

/** A guard: every violation of one rule in a stack. */
export type Guard = (graph: StackGraph) => GuardFinding[];

/** A finding about a node, with its construct path filled in. */
export function findingAt(
  graph: StackGraph,
  rule: GuardRule,
  address: string,
  problem: string,
  fix: string,
): GuardFinding {
  return { rule, address, constructPath: graph.node(address)?.constructPath, problem, fix };
}

/** The one-line message shown for a finding (synth error annotations, review text). */
export function findingMessage(finding: GuardFinding): string {
  const where = finding.constructPath ?? finding.address;
  const at = finding.constructPath === undefined ? where : `${where} (${finding.address})`;
  return `[${finding.rule}] ${at}: ${finding.problem}. Fix: ${finding.fix}.`;
}

/** Sorted by address, then problem, so reports are deterministic. */
export function sortFindings(findings: GuardFinding[]): GuardFinding[] {
  const key = (f: GuardFinding) => `${f.address}\u0000${f.rule}\u0000${f.problem}`;
  return findings.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
