/**
 * `terraform_data` with `local-exec` provisioners (the sink's deploy-time validation): the command runs
 * here, as Terraform would run it on the machine that applies, with the provisioner's environment. A
 * failing command fails the apply with its output, secret values masked.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SECRET_ENVIRONMENT } from '../../../runtime/config/environment';
import { Value } from '../expression';
import { Attributes, ResourceHandler } from '../types';
import { blocks, optionalString } from './arguments';

export interface LocalExecOptions {
  /** Where commands run (the stack's directory; for the example, the project root). */
  readonly workingDirectory: string;
  /** Set over a provisioner's environment for the variables it already has (local endpoints). */
  readonly environmentOverrides: Readonly<Record<string, string>>;
}

export function terraformData(options: LocalExecOptions): ResourceHandler {
  return {
    locally: 'local-exec provisioner run here',
    sensitive: ['provisioner'],
    async create(address, config) {
      for (const provisioner of blocks(config.provisioner, `${address}.provisioner`)) {
        const [kind, ...others] = Object.keys(provisioner);
        if (kind !== 'local-exec' || others.length > 0) {
          throw new Error(
            `${address}: provisioner "${[kind, ...others].join(', ')}" is not supported; only local-exec`,
          );
        }
        const [exec] = blocks(provisioner[kind], `${address}.provisioner.local-exec`);
        if (optionalString(exec, 'when') === 'destroy') {
          throw new Error(`${address}: destroy-time provisioners are not supported by the local applier`);
        }
        await runLocalExec(address, exec, options);
      }
      return { id: randomUUID(), output: config.input ?? null };
    },
    async destroy(resource) {
      return `nothing to undo for ${resource.address}: its provisioner ran once at create time`;
    },
  };
}

async function runLocalExec(address: string, exec: Attributes, options: LocalExecOptions): Promise<void> {
  const command = optionalString(exec, 'command');
  if (command === undefined) throw new Error(`${address}: local-exec has no command`);
  if (exec.interpreter !== undefined || exec.working_dir !== undefined) {
    throw new Error(`${address}: local-exec interpreter and working_dir are not supported locally`);
  }
  const environment = stringMap(exec.environment);
  for (const [name, value] of Object.entries(options.environmentOverrides)) {
    if (name in environment) environment[name] = value;
  }
  const secrets = Object.entries(environment)
    .filter(([name]) => (SECRET_ENVIRONMENT as readonly string[]).includes(name))
    .flatMap(([, value]) => secretLike(value));
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.workingDirectory,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    let text = output.join('').trimEnd();
    for (const secret of secrets) text = text.split(secret).join('<secret>');
    throw new Error(
      `${address}: local-exec command \`${command}\` failed (exit ${code}):\n${text
        .split('\n')
        .slice(-15)
        .map((l) => `  | ${l}`)
        .join('\n')}`,
    );
  }
}

function stringMap(value: Value | undefined): Record<string, string> {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/** A value and the long strings inside it when it is JSON (an access-key document holds the secret key). */
function secretLike(value: string): string[] {
  const out = [value];
  try {
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && v.length >= 16) out.push(v);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(value));
  } catch {
    // Not JSON: the value itself is masked.
  }
  return out.filter((s) => s.length >= 8);
}
