/**
 * `batch-exporter review <synth output dir or cdk.tf.json> [--json] [--out dir]`: prints the review of a
 * synthesized plan (per stack: guards, exporters, IAM permissions, secrets, resources, create and destroy
 * order, and checkov's results when it is installed) and exits non-zero when a guard or checkov fails, so CI
 * can gate on it. With `--out`, also writes
 * `review.txt`, `review.json` and per stack `<stack>.graph.svg` and `<stack>.graph.mmd` there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { readSynthOutput, StackGraph } from './plan/graph';
import { CheckovError, locateCheckov } from './checkov';
import { checkovPassed, checkovReview } from './checkov-review';
import { renderDot, renderMermaid } from './picture';
import { ReviewReport, reviewStacks } from './report';
import { renderSvg } from './svg';
import { renderText } from './text';

/** Where the review writes; injectable for tests. */
export interface ReviewIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_IO: ReviewIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Where the review looks for checkov (environment and working directory); injectable for tests. */
export interface ReviewEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Exit codes: the gate's contract (`guardFailed` also when checkov fails a check no skip accounts for). */
export const REVIEW_EXIT = { passed: 0, guardFailed: 1, badInput: 2 } as const;

/**
 * Runs the review. `argv` are the arguments after `review` (e.g. `['cdktf.out', '--json']`).
 * Resolves to the exit code: 0 when every guard passes, 1 when one fails, 2 for bad usage or input.
 */
export async function runReview(
  argv: readonly string[],
  io: ReviewIo = PROCESS_IO,
  environment: ReviewEnvironment = { env: process.env, cwd: process.cwd() },
): Promise<number> {
  const program = new Command('batch-exporter review')
    .description(
      'Review a synthesized plan: guards, exporters, IAM permissions, secrets, create/destroy order, and checkov when it is installed.',
    )
    .argument('<synth>', "cdktf synth output folder (cdktf.out) or one stack's cdk.tf.json")
    .option('--json', 'print the report as JSON (for policy gates)')
    .option(
      '--out <dir>',
      'also write review.txt, review.json, <stack>.graph.svg and <stack>.graph.mmd into <dir>',
    )
    .option(
      '--checkov <path>',
      'the checkov to run (default: $BATCH_EXPORTER_CHECKOV, ./.cache/checkov, then PATH)',
    )
    .option('--no-checkov', 'review without checkov')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      return error.exitCode === 0 ? REVIEW_EXIT.passed : REVIEW_EXIT.badInput;
    throw error;
  }
  const [synth] = program.args;
  const options = program.opts<{ json?: boolean; out?: string; checkov?: string | boolean }>();
  let graphs: StackGraph[];
  let report: ReviewReport;
  try {
    graphs = readSynthOutput(synth);
    report = reviewStacks(graphs);
  } catch (error) {
    io.stderr(`batch-exporter review: ${(error as Error).message}\n`);
    return REVIEW_EXIT.badInput;
  }
  try {
    const location =
      options.checkov === false
        ? null
        : locateCheckov(
            typeof options.checkov === 'string' ? options.checkov : undefined,
            environment.env,
            environment.cwd,
          );
    const checkov = checkovReview(location, graphs);
    if (checkov.status === 'not-installed') io.stderr(`batch-exporter review: ${checkov.message}\n`);
    report = { ...report, passed: report.passed && checkovPassed(checkov), checkov };
  } catch (error) {
    if (!(error instanceof CheckovError)) throw error;
    io.stderr(`batch-exporter review: ${error.message}\n`);
    return REVIEW_EXIT.badInput;
  }
  const text = renderText(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out !== undefined) {
    try {
      await writeReviewFiles(options.out, graphs, report, text, json);
    } catch (error) {
      io.stderr(`batch-exporter review: cannot write into ${options.out}: ${(error as Error).message}\n`);
      return REVIEW_EXIT.badInput;
    }
  }
  io.stdout(options.json === true ? json : text);
  return report.passed ? REVIEW_EXIT.passed : REVIEW_EXIT.guardFailed;
}

async function writeReviewFiles(
  dir: string,
  graphs: readonly StackGraph[],
  report: ReviewReport,
  text: string,
  json: string,
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'review.txt'), text);
  fs.writeFileSync(path.join(dir, 'review.json'), json);
  for (const [i, graph] of graphs.entries()) {
    const review = report.stacks[i];
    fs.writeFileSync(path.join(dir, `${graph.stackName}.graph.mmd`), renderMermaid(graph, review));
    fs.writeFileSync(
      path.join(dir, `${graph.stackName}.graph.svg`),
      await renderSvg(renderDot(graph, review)),
    );
  }
}
