/**
 * Builds a Dockerfile for real without a Docker engine: every stage's file system is a directory, COPY copies
 * from the build context (or an earlier stage) into it, RUN runs through `sh` in the stage's working directory
 * with the stage's ENV and this machine's tools (its Node stands in for the base image's), and ENV, USER,
 * EXPOSE, HEALTHCHECK and ENTRYPOINT are recorded, so the built directory can be started the way the image
 * starts. What the base image itself holds is not there: a COPY or RUN that relied on it fails here too.
 * Debian packages are this machine's too: a RUN of `apt-get update`, `apt-get install` and the removal of
 * apt's lists checks that every package it installs is installed here (and fails naming the missing ones and
 * the command that installs them) instead of changing this machine's packages; the stage records them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One instruction: keyword upper-cased, continuation lines joined, comments dropped. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly argument: string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

/** Splits a Dockerfile into instructions. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const result: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending =
      pending === undefined
        ? { text: part, line: index + 1 }
        : { ...pending, text: `${pending.text} ${part}` };
    if (continued) return;
    const [keyword, ...rest] = pending.text.split(/\s+/);
    result.push({ keyword: keyword.toUpperCase(), argument: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return result;
}

/** HEALTHCHECK's options (`--interval=15s`, ...) and its command. */
export interface HealthCheck {
  readonly options: Readonly<Record<string, string>>;
  readonly command: readonly string[];
}

/** A built image: its final stage's directory and how it starts. */
export interface BuiltImage {
  /** The final stage's file system root. */
  readonly root: string;
  /** WORKDIR inside the image (`/app`); on this machine: `path.join(root, workdir)`. */
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  readonly healthcheck?: HealthCheck;
  readonly user?: string;
  readonly exposed: readonly string[];
  /** The FROM image of each stage, in order (noted: this machine stands in for it). */
  readonly baseImages: readonly string[];
  /** The Debian packages the final stage's RUN steps install with apt-get, in order. */
  readonly packages: readonly string[];
}

export interface BuildOptions {
  /** The build context directory. */
  readonly context: string;
  /** The Dockerfile, relative to the context. */
  readonly dockerfile: string;
  /** An empty scratch directory; one sub-directory per stage. */
  readonly into: string;
  /** Variables RUN steps get besides the stage's ENV (PATH comes from this process). */
  readonly runEnvironment?: Readonly<Record<string, string>>;
}

/** A failed build step: names the Dockerfile line, the instruction and what was wrong. */
export class DockerBuildError extends Error {}

interface Stage {
  readonly name?: string;
  readonly root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint: readonly string[];
  healthcheck?: HealthCheck;
  exposed: string[];
  packages: string[];
}

/** Builds the Dockerfile into `into` and returns the final stage. */
export function buildDockerfile(options: BuildOptions): BuiltImage {
  const dockerfilePath = path.join(options.context, options.dockerfile);
  if (!fs.existsSync(dockerfilePath)) {
    throw new DockerBuildError(
      `the build context ${options.context} has no Dockerfile ${options.dockerfile}`,
    );
  }
  const stages: Stage[] = [];
  const baseImages: string[] = [];
  for (const instruction of parseDockerfile(fs.readFileSync(dockerfilePath, 'utf8'))) {
    const fail = (problem: string): never => {
      throw new DockerBuildError(
        `${options.dockerfile} line ${instruction.line} (${instruction.keyword} ${instruction.argument}): ${problem}`,
      );
    };
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.argument.split(/\s+/);
      baseImages.push(image);
      const root = path.join(options.into, `stage-${stages.length}`);
      fs.mkdirSync(root, { recursive: true });
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        root,
        workdir: '/',
        env: {},
        entrypoint: [],
        exposed: [],
        packages: [],
      });
      continue;
    }
    const stage = stages.at(-1) ?? fail('comes before any FROM');
    applyInstruction(stage, stages, instruction, options, fail);
  }
  const final = stages.at(-1);
  if (final === undefined) throw new DockerBuildError(`${options.dockerfile} has no FROM`);
  return {
    root: final.root,
    workdir: final.workdir,
    env: final.env,
    entrypoint: final.entrypoint,
    healthcheck: final.healthcheck,
    user: final.user,
    exposed: final.exposed,
    baseImages,
    packages: final.packages,
  };
}

function applyInstruction(
  stage: Stage,
  stages: readonly Stage[],
  { keyword, argument }: DockerInstruction,
  options: BuildOptions,
  fail: (problem: string) => never,
): void {
  const inStage = (target: string) =>
    path.join(stage.root, path.posix.isAbsolute(target) ? target : path.posix.join(stage.workdir, target));
  switch (keyword) {
    case 'WORKDIR':
      stage.workdir = path.posix.resolve(stage.workdir, argument);
      fs.mkdirSync(inStage('.'), { recursive: true });
      return;
    case 'ENV':
      Object.assign(stage.env, parseEnv(argument, fail));
      return;
    case 'COPY':
      copy(stage, stages, argument, options.context, inStage, fail);
      return;
    case 'RUN': {
      const packages = aptPackages(argument, fail);
      if (packages !== undefined) {
        stage.packages.push(...packages);
        return;
      }
      const run = spawnSync('sh', ['-c', argument], {
        cwd: inStage('.'),
        env: { PATH: process.env.PATH ?? '', ...options.runEnvironment, ...stage.env },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (run.status !== 0) {
        fail(`exited ${run.status ?? run.signal}: ${(run.stderr || run.stdout).trim().slice(-2000)}`);
      }
      return;
    }
    case 'USER':
      stage.user = argument;
      return;
    case 'EXPOSE':
      stage.exposed.push(...argument.split(/\s+/));
      return;
    case 'ENTRYPOINT':
      stage.entrypoint = execForm(argument, fail);
      return;
    case 'HEALTHCHECK': {
      const at = argument.indexOf('CMD ');
      if (at === -1) fail('has no CMD');
      const settings = argument.slice(0, at).trim().split(/\s+/).filter(Boolean);
      stage.healthcheck = {
        options: Object.fromEntries(settings.map((s) => s.replace(/^--/, '').split('=') as [string, string])),
        command: execForm(argument.slice(at + 4), fail),
      };
      return;
    }
    case 'ARG':
    case 'LABEL':
      return;
    default:
      fail('is not supported by this builder');
  }
}

function copy(
  stage: Stage,
  stages: readonly Stage[],
  argument: string,
  context: string,
  inStage: (target: string) => string,
  fail: (problem: string) => never,
): void {
  const words = argument.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  if (paths.length < 2) fail('needs a source and a destination');
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const unknown = flags.filter((f) => !f.startsWith('--from=') && !f.startsWith('--chown='));
  if (unknown.length > 0) fail(`has unsupported flags ${unknown.join(' ')}`);
  const source =
    from === undefined ? undefined : stages.find((s, i) => s.name === from || String(i) === from);
  if (from !== undefined && (source === undefined || source === stage))
    fail(`names no earlier stage ${from}`);
  const base = source === undefined ? context : source.root;
  const destination = paths.at(-1) as string;
  const sources = paths.slice(0, -1);
  const missing = sources.filter((s) => !fs.existsSync(path.join(base, s)));
  if (missing.length > 0) {
    fail(
      `${source === undefined ? `the build context ${context}` : `stage ${from}`} has no ${missing.join(', ')}`,
    );
  }
  const intoDirectory = destination.endsWith('/') || sources.length > 1;
  for (const relative of sources) {
    const from = path.join(base, relative);
    const target = inStage(destination);
    if (fs.statSync(from).isDirectory()) {
      fs.mkdirSync(target, { recursive: true });
      fs.cpSync(from, target, { recursive: true });
    } else {
      const file = intoDirectory ? path.join(target, path.basename(relative)) : target;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.copyFileSync(from, file);
    }
  }
}

function parseEnv(argument: string, fail: (problem: string) => never): Record<string, string> {
  if (!argument.includes('=')) {
    const [name, ...value] = argument.split(/\s+/);
    return { [name]: value.join(' ') };
  }
  const pairs = argument.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? fail('has no NAME=value');
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1).replace(/^"(.*)"$/, '$1')];
    }),
  );
}

function execForm(text: string, fail: (problem: string) => never): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
  } catch {
    // reported below
  }
  return fail('is not in exec form (a JSON array of strings)');
}

/** apt's own clean-up, allowed beside apt-get in a system package step. */
const APT_CLEANUP = new Set(['rm -rf /var/lib/apt/lists/*', 'apt-get clean']);

/**
 * The packages of a RUN made of apt-get steps only (undefined for any other RUN), after checking each one is
 * installed on this machine, which stands in for the image's Debian.
 */
function aptPackages(argument: string, fail: (problem: string) => never): string[] | undefined {
  if (!/\bapt-get\b/.test(argument)) return undefined;
  const commands = argument.split('&&').map((command) => command.trim().replace(/\s+/g, ' '));
  const other = commands.filter((command) => !command.startsWith('apt-get ') && !APT_CLEANUP.has(command));
  if (other.length > 0)
    fail(`mixes apt-get with other commands (${other.join('; ')}): give them their own RUN`);
  const packages = commands
    .filter((command) => /^apt-get install\b/.test(command))
    .flatMap((command) => command.split(' ').slice(2))
    .filter((word) => !word.startsWith('-'));
  const missing = packages.filter((name) => {
    const query = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', name], { encoding: 'utf8' });
    return query.status !== 0 || query.stdout !== 'installed';
  });
  if (missing.length > 0) {
    fail(
      `installs Debian packages this machine lacks (${missing.join(', ')}); this builder uses the machine's ` +
        `own packages: install them with \`apt-get install -y --no-install-recommends ${missing.join(' ')}\``,
    );
  }
  return packages;
}
