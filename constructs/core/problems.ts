import { Token } from 'cdktf';
import { Construct } from 'constructs';

import { displayValue } from '../../runtime/config/redact';

/** One thing wrong with a construct's props: which prop, its value, what is wrong and how to fix it. */
export interface PropProblem {
  /** Dotted path of the prop, e.g. `stream.brokers[1]`. */
  readonly prop: string;
  /** The value as given (rendered with `displayValue`; secrets redacted). */
  readonly value: string;
  /** What is wrong, completing "the value ...". */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * Collects every problem of a construct's props, so one synth run reports all of them at once (aws-cdk's
 * "validate in the constructor, all at once"). Values that are unresolved tokens are skipped by the callers
 * through `isKnown`: their value is only known at apply time.
 */
export class PropProblems {
  private readonly problems: PropProblem[] = [];
  private readonly worded: string[] = [];

  public constructor(
    /** The construct type, e.g. `BatchExporter`. */
    private readonly constructType: string,
    /** Construct path or id, to tell which instance is wrong. */
    private readonly where: string,
  ) {}

  /** Records one problem. `secret` redacts the value in the message. */
  public add(prop: string, value: unknown, problem: string, fix: string, secret = false): void {
    this.problems.push({ prop, value: displayValue(value, secret), problem, fix });
  }

  /** Records a problem already worded in full elsewhere (e.g. by the runtime's credentials validator). */
  public addWorded(prop: string, message: string): void {
    this.worded.push(`  - ${prop}: ${message}`);
  }

  /** The problems recorded so far. */
  public get all(): readonly PropProblem[] {
    return this.problems;
  }

  /** Throws one error listing every problem; does nothing when there is none. */
  public throwIfAny(): void {
    const total = this.problems.length + this.worded.length;
    if (total === 0) return;
    const count = total === 1 ? '1 problem' : `${total} problems`;
    const lines = [
      ...this.problems.map((p) => `  - ${p.prop}: ${p.value} ${p.problem}. Fix: ${p.fix}.`),
      ...this.worded,
    ];
    throw new Error(
      `Invalid ${this.constructType} props at "${this.where}" (${count}):\n${lines.join('\n')}`,
    );
  }
}

/** The path a construct will have, for messages from inside its constructor. */
export function pathOf(scope: Construct, id: string): string {
  const base = scope.node.path;
  return base ? `${base}/${id}` : id;
}

/** True when the value is known at synth time (not a Terraform reference or other unresolved token). */
export function isKnown(value: unknown): boolean {
  return value !== undefined && !Token.isUnresolved(value);
}
