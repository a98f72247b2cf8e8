import { ChildProcess, spawn } from 'node:child_process';
import { clickstreamEvent } from '../../../local/clickstream';
import { projectRoot } from '../../../local/project-root';
import { ENTRYPOINT } from '../../../runtime/image';

export interface ExporterProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves once a log line with this message appeared (rejects if the process exits first). */
  logged(message: string): Promise<void>;
}

/** `node dist/runtime/cli/main.js run` exactly as the image runs it, with only `env`. */
export function startProcess(env: Record<string, string>): ExporterProcess {
  const child = spawn(ENTRYPOINT[0], ENTRYPOINT.slice(1), {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    child,
    stdout: () => stdout + stderr,
    exited,
    logged: async (message) => {
      let done = false;
      void exited.then(() => (done = true));
      while (!stdout.includes(`"msg":"${message}"`)) {
        if (done) throw new Error(`the exporter exited before logging '${message}':\n${stdout}\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

export async function terminate(exporter: ExporterProcess): Promise<number | null> {
  exporter.child.kill('SIGTERM');
  return exporter.exited;
}

export function events(from: number, count: number, runId: string): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify(clickstreamEvent(from + i, runId)));
}
