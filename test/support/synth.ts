import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';

import { StackGraph } from '../../review/plan/graph';

/** One Terraform block body as it appears in cdk.tf.json. */
export type TfBlock = Record<string, unknown>;

/** The parts of a synthesized cdk.tf.json the tests read. */
export interface TfJson {
  readonly resource?: Record<string, Record<string, TfBlock>>;
  readonly data?: Record<string, Record<string, TfBlock>>;
  readonly output?: Record<string, TfBlock>;
  readonly variable?: Record<string, TfBlock>;
  readonly locals?: Record<string, unknown>;
  readonly provider?: Record<string, unknown>;
  readonly terraform?: Record<string, unknown>;
}

/** A warning, error or info annotation that the synthesis recorded into manifest.json. */
export interface SynthAnnotation {
  readonly constructPath: string;
  readonly level: string;
  readonly message: string;
}

/** One synthesized stack: the parsed JSON, the raw text and lookup helpers. */
export class SynthesizedStack {
  public constructor(
    /** The stack's name in the manifest. */
    public readonly name: string,
    /** cdk.tf.json exactly as written to disk, for "this string appears nowhere" checks. */
    public readonly text: string,
    /** cdk.tf.json parsed. */
    public readonly json: TfJson,
    /** Annotations recorded for this stack (warnings about many small objects, etc.). */
    public readonly annotations: readonly SynthAnnotation[],
  ) {}

  /** All resources of one Terraform type, keyed by their logical name. */
  public resources(type: string): Record<string, TfBlock> {
    return this.json.resource?.[type] ?? {};
  }

  /** All data sources of one Terraform type, keyed by their logical name. */
  public dataSources(type: string): Record<string, TfBlock> {
    return this.json.data?.[type] ?? {};
  }

  /** The one resource of the given type; fails the test when there is not exactly one. */
  public onlyResource(type: string): { readonly name: string; readonly body: TfBlock } {
    const entries = Object.entries(this.resources(type));
    if (entries.length !== 1) {
      throw new Error(
        `expected exactly one ${type}, found ${entries.length}: ${entries.map(([n]) => n).join(', ')}`,
      );
    }
    const [name, body] = entries[0];
    return { name, body };
  }

  /** The resource of the given type whose construct path ends with the given suffix (e.g. 'Sink/Secret'). */
  public resourceAt(type: string, pathSuffix: string): { readonly name: string; readonly body: TfBlock } {
    const matches = Object.entries(this.resources(type)).filter(([, body]) =>
      constructPathOf(body).endsWith(`/${pathSuffix}`),
    );
    if (matches.length !== 1) {
      throw new Error(`expected exactly one ${type} at .../${pathSuffix}, found ${matches.length}`);
    }
    const [name, body] = matches[0];
    return { name, body };
  }

  /** Every Terraform address (`type.name`, data sources as `data.type.name`), sorted. */
  public addresses(): string[] {
    const out: string[] = [];
    for (const [type, byName] of Object.entries(this.json.resource ?? {})) {
      for (const name of Object.keys(byName)) out.push(`${type}.${name}`);
    }
    for (const [type, byName] of Object.entries(this.json.data ?? {})) {
      for (const name of Object.keys(byName)) out.push(`data.${type}.${name}`);
    }
    return out.sort();
  }

  /** The dependency graph of this stack (the review engineer's reader, review/plan/graph.ts). */
  public graph(): StackGraph {
    return StackGraph.fromJson(this.text, `${this.name}/cdk.tf.json`);
  }

  /** Annotations of one level ('@cdktf/warn', '@cdktf/error', '@cdktf/info'). */
  public annotationsOf(level: 'warn' | 'error' | 'info'): SynthAnnotation[] {
    return this.annotations.filter((a) => a.level === `@cdktf/${level}`);
  }
}

/** The construct path cdktf records in a block's `//` metadata (e.g. 'test/Sink/Secret'). */
export function constructPathOf(block: TfBlock): string {
  const meta = block['//'] as { metadata?: { path?: string } } | undefined;
  return meta?.metadata?.path ?? '';
}

interface ManifestFile {
  readonly stacks: Record<
    string,
    { readonly synthesizedStackPath: string; readonly annotations: readonly SynthAnnotation[] }
  >;
}

/**
 * Synthesizes an app exactly the way `cdktf synth` does: `app.synth()` into a fresh temporary outdir, so
 * aspects are invoked, stack and construct validations run, error annotations abort, and cdk.tf.json plus
 * manifest.json are written to disk. Returns every stack read back from disk; the outdir is removed.
 */
export function synthApp(app: App): Record<string, SynthesizedStack> {
  try {
    app.synth();
    return readOutdir(app.outdir);
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}

/** Reads every stack of an already synthesized outdir (e.g. one an example app wrote). */
export function readOutdir(outdir: string): Record<string, SynthesizedStack> {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as ManifestFile;
  const stacks: Record<string, SynthesizedStack> = {};
  for (const [name, entry] of Object.entries(manifest.stacks)) {
    const text = fs.readFileSync(path.join(outdir, entry.synthesizedStackPath), 'utf8');
    stacks[name] = new SynthesizedStack(name, text, JSON.parse(text) as TfJson, entry.annotations);
  }
  return stacks;
}

/** A fresh temporary output directory (synthApp removes it after reading). */
export function tempOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-batch-exporter-synth-'));
}

/** A new app writing into a fresh temporary directory (what `cdktf synth` gives an app via CDKTF_OUTDIR). */
export function newTestApp(): App {
  const outdir = tempOutdir();
  // stackTraces off: they are only metadata and make synthesis slower.
  return new App({ outdir, stackTraces: false });
}

/** Name of the stack `synthStack` creates. */
export const TEST_STACK_NAME = 'test';

/**
 * Builds one stack (with an AWS provider) via `build`, synthesizes it like the CLI and returns it.
 */
export function synthStack(build: (stack: TerraformStack) => void): SynthesizedStack {
  const app = newTestApp();
  const stack = new TerraformStack(app, TEST_STACK_NAME);
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  build(stack);
  return synthApp(app)[TEST_STACK_NAME];
}
