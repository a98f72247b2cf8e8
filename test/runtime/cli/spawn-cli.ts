/**
 * Runs the compiled CLI as a process, exactly like the image does (runtime/image.ts), from the package root.
 * Needs `npx tsc -p .` first (npm test builds before jest).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { ENTRYPOINT } from '../../../runtime/image';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function builtCli(): string {
  const main = path.join(projectRoot(), ENTRYPOINT[1]);
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: build first with \`npx tsc -p .\``);
  return main;
}

/** `node dist/runtime/cli/main.js <args>` with exactly `env` (plus PATH), collecting its output. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  return runScript(builtCli(), args, env, timeoutMs);
}

/** The npm package's `batch-exporter` bin (package.json), which adds `review` to the runtime's commands. */
export async function runPackageBin(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8'));
  const bin = path.join(projectRoot(), manifest.bin['batch-exporter']);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: build first with \`npx tsc -p .\``);
  return runScript(bin, args, env, 30_000);
}

async function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<CliResult> {
  const child = spawn(ENTRYPOINT[0], [script, ...args], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) =>
    child.once('close', (exitCode) => resolve(exitCode)),
  );
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** The service entrypoint itself: ENTRYPOINT with its `run`. */
export function runEntrypoint(
  env: Record<string, string>,
  extraArgs: readonly string[] = [],
): Promise<CliResult> {
  return runCli([...ENTRYPOINT.slice(2), ...extraArgs], env);
}
