/**
 * Synthesizes examples/s3-export the way `cdktf synth` runs an app: the compiled app as a process, with
 * CDKTF_OUTDIR and the example's EXAMPLE_* settings in its environment.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readSynthOutput, StackGraph } from '../../review/plan/graph';
import { projectRoot } from '../project-root';

/** The compiled example app (npm run build writes it). */
export const EXAMPLE_APP = path.join('dist', 'examples', 's3-export', 'main.js');

export async function synthesizeExample(
  outdir: string,
  settings: Readonly<Record<string, string>>,
): Promise<StackGraph> {
  try {
    await promisify(execFile)(process.execPath, [EXAMPLE_APP], {
      cwd: projectRoot(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, ...settings },
    });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(
      `synthesizing examples/s3-export failed: ${(stderr ?? '').trim() || message}\n` +
        'Build it first: npm run build',
    );
  }
  const stacks = readSynthOutput(outdir);
  if (stacks.length !== 1) {
    throw new Error(`examples/s3-export synthesized ${stacks.length} stacks; the demo applies exactly one`);
  }
  return stacks[0];
}
