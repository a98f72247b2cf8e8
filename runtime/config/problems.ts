/**
 * One configuration problem, worded for the person who has to fix it: which field, where it came from,
 * what is wrong with which value, and what to do. Values of secret fields are never part of it.
 */
export interface ConfigProblem {
  /** The configuration field, e.g. `sink.bucket`. */
  readonly field: string;
  /** Where the value came from: an environment variable, a file path or a command line option. */
  readonly source: string;
  /** The whole sentence: field, source, problem, value (redacted when secret) and fix. */
  readonly message: string;
}

/** Credentials that passed validation, or every problem with them. */
export type CheckedCredentials<T> =
  | { readonly credentials: T; readonly errors?: undefined }
  | { readonly credentials?: undefined; readonly errors: readonly ConfigProblem[] };

export interface ProblemParts {
  readonly field: string;
  readonly source: string;
  /** Completes "<field> ...", e.g. `must be an integer`. */
  readonly problem: string;
  /** The value as it should be shown (already redacted when secret); omitted when there is none. */
  readonly shown?: string;
  readonly fix: string;
}

export function problem(parts: ProblemParts): ConfigProblem {
  const got = parts.shown === undefined ? '' : ` (got ${parts.shown})`;
  return {
    field: parts.field,
    source: parts.source,
    message: `${parts.field} (${parts.source}) ${parts.problem}${got}. Fix: ${parts.fix}`,
  };
}

/** Every problem in one report, the way the CLI prints it and the constructs throw it. */
export function formatProblems(problems: readonly ConfigProblem[], what = 'The configuration'): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [`${what} has ${count}:`, ...problems.map((p) => `  - ${p.message}`)].join('\n');
}

/** Thrown where a caller prefers an exception (constructs at synth time); carries every problem. */
export class ConfigurationError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    what?: string,
  ) {
    super(formatProblems(problems, what));
    this.name = 'ConfigurationError';
  }
}

/** A JSON.parse failure's location, without the parser's message, which quotes the (possibly secret) text. */
export function jsonSyntaxLocation(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) return text.trim() === '' ? 'it is empty' : 'it is not valid JSON';
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `it is not valid JSON (syntax error at line ${line}, column ${column})`;
}
