/**
 * `batch-exporter review <synth output dir or cdk.tf.json> [--json] [--out dir]`: prints the review of a
 * synthesized plan and exits non-zero when a guard fails, so CI can gate on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { readSynthOutput } from '../plan/graph';
import { reviewStacks } from './report';
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

/**
 * Runs the review. `argv` are the arguments after `review` (e.g. `['cdktf.out', '--json']`).
 * Resolves to the exit code: 0 when every guard passes, 1 when one fails, 2 for bad usage or input.
 */
export async function runReview(argv: readonly string[], io: ReviewIo = PROCESS_IO): Promise<number> {
  const program = new Command('review')
    .description('Review a synthesized plan: resources, IAM permissions, secrets, order, exporters.')
    .argument('<synth>', 'cdktf synth output folder (cdktf.out) or one cdk.tf.json')
    .option('--json', 'print the report as JSON for policy gates')
    .option('--out <dir>', 'also write review.txt, review.json, graph.mmd and graph.svg per run into <dir>')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const [synth] = program.args;
  const options = program.opts<{ json?: boolean; out?: string }>();
  let report;
  try {
    report = reviewStacks(readSynthOutput(synth));
  } catch (error) {
    io.stderr(`batch-exporter review: ${(error as Error).message}\n`);
    return 2;
  }
  const text = renderText(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out !== undefined) {
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, 'review.txt'), text);
    fs.writeFileSync(path.join(options.out, 'review.json'), json);
  }
  io.stdout(options.json === true ? json : text);
  return 0;
}
