/**
 * A small reader of the dependency graph in a synthesized `cdk.tf.json`: the resources and data sources
 * of one stack, the edges Terraform derives from references (`${type.name.attr}`, also nested inside
 * functions) and `depends_on`, and the create and destroy orders Terraform follows.
 *
 * Terraform creates a resource after everything it references, and destroys it before everything it
 * references: https://developer.hashicorp.com/terraform/internals/graph
 */
import fs from 'node:fs';
import path from 'node:path';
import { isResourceRoot, looksLikeResourceType, traversalsIn } from './expressions';

/** Managed resources are created and destroyed; data sources are only read. */
export type NodeMode = 'managed' | 'data';

/** One resource or data source of the stack. */
export interface GraphNode {
  /** Terraform address: `aws_s3_bucket.Bucket` or `data.aws_iam_policy_document.Doc`. */
  readonly address: string;
  readonly mode: NodeMode;
  /** Resource type, e.g. `aws_iam_user_policy`. */
  readonly type: string;
  /** Terraform name (cdktf's unique id), e.g. `Writer_Policy_1A2B3C4D`. */
  readonly name: string;
  /** The construct path from cdktf's `//` metadata (`stack/Export/Writer/Policy`), if present. */
  readonly constructPath?: string;
  /** The provider configuration it uses (`aws` or `aws.alias`); `undefined` means the default one. */
  readonly provider?: string;
  /** The resource's block as synthesized (including `//` metadata). */
  readonly block: Readonly<Record<string, unknown>>;
}

/** Why one node depends on another. */
export type EdgeKind = 'reference' | 'depends_on';

/** `from` depends on `to`: `to` is created first and destroyed last. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** For references: the traversals that create the edge, e.g. `aws_s3_bucket.Bucket.arn`. */
  readonly via: readonly string[];
}

/** A reference to a resource or data source that the document does not declare. */
export interface ExternalReference {
  /** The referencing node, or `output.NAME` / `local.NAME`. */
  readonly from: string;
  /** The missing address. */
  readonly to: string;
  readonly text: string;
}

/** One `output` of the stack and the nodes its value references. */
export interface GraphOutput {
  readonly name: string;
  readonly sensitive: boolean;
  readonly value: unknown;
  /** Node addresses the value references (also through locals). */
  readonly references: readonly string[];
}

interface TerraformDocument {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, Record<string, unknown>>;
  readonly locals?: Record<string, unknown>;
  readonly '//'?: { readonly metadata?: { readonly stackName?: string } };
}

/** The graph of one synthesized stack. */
export class StackGraph {
  /** Reads a `cdk.tf.json` file. */
  public static fromFile(file: string): StackGraph {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}. Run \`cdktf synth\` first.`);
    }
    return StackGraph.fromJson(text, file);
  }

  /** Parses a `cdk.tf.json` document (text or already parsed). */
  public static fromJson(document: string | object, source = 'cdk.tf.json'): StackGraph {
    let parsed: unknown = document;
    if (typeof document === 'string') {
      try {
        parsed = JSON.parse(document);
      } catch (error) {
        throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
      }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`${source} is not a Terraform JSON document (expected an object at the top level)`);
    }
    return new StackGraph(parsed as TerraformDocument, source);
  }

  /** The stack name from cdktf's metadata (falls back to the source file's folder name). */
  public readonly stackName: string;
  /** The parsed document. */
  public readonly document: Readonly<Record<string, unknown>>;
  /** Every resource and data source, sorted by address. */
  public readonly nodes: readonly GraphNode[];
  /** Every edge between declared nodes, sorted by `from`, then `to`. */
  public readonly edges: readonly GraphEdge[];
  /** The stack's outputs, sorted by name. */
  public readonly outputs: readonly GraphOutput[];

  private readonly byAddress = new Map<string, GraphNode>();
  private readonly deps = new Map<string, Set<string>>();
  private readonly rdeps = new Map<string, Set<string>>();
  private readonly external: ExternalReference[] = [];

  private constructor(doc: TerraformDocument, source: string) {
    this.document = doc as Record<string, unknown>;
    this.stackName =
      doc['//']?.metadata?.stackName ??
      (source.includes('/') ? path.basename(path.dirname(source)) : 'stack');

    const nodes: GraphNode[] = [];
    for (const [mode, section] of [
      ['managed', doc.resource],
      ['data', doc.data],
    ] as const) {
      for (const [type, byName] of Object.entries(section ?? {})) {
        for (const [name, block] of Object.entries(byName ?? {})) {
          const address = mode === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          const meta = (block['//'] as { metadata?: { path?: string } } | undefined)?.metadata;
          nodes.push({
            address,
            mode,
            type,
            name,
            constructPath: meta?.path,
            provider: typeof block.provider === 'string' ? block.provider : undefined,
            block,
          });
        }
      }
    }
    nodes.sort((a, b) => compare(a.address, b.address));
    this.nodes = nodes;
    for (const node of nodes) {
      this.byAddress.set(node.address, node);
      this.deps.set(node.address, new Set());
      this.rdeps.set(node.address, new Set());
    }

    const localRefs = this.resolveLocals(doc.locals ?? {});
    const edges = new Map<string, { kind: EdgeKind; via: Set<string> }>();
    const addEdge = (from: string, to: string, kind: EdgeKind, via?: string) => {
      if (from === to) return;
      const key = `${from}\u0000${to}`;
      const edge = edges.get(key) ?? { kind, via: new Set<string>() };
      // A reference explains more than depends_on; keep it when both exist.
      if (kind === 'reference') edge.kind = 'reference';
      if (via !== undefined) edge.via.add(via);
      edges.set(key, edge);
      this.deps.get(from)!.add(to);
      this.rdeps.get(to)!.add(from);
    };

    for (const node of nodes) {
      const { depends_on: dependsOn, lifecycle, ...rest } = node.block as Record<string, unknown>;
      for (const t of traversalsIn(rest)) {
        for (const target of this.targetsOf(t.root, localRefs)) {
          if (this.byAddress.has(target)) addEdge(node.address, target, 'reference', t.text);
          else if (looksLikeAddress(target))
            this.external.push({ from: node.address, to: target, text: t.text });
        }
      }
      // replace_triggered_by holds references (as expressions) that also order the graph.
      for (const t of traversalsIn(
        (lifecycle as { replace_triggered_by?: unknown } | undefined)?.replace_triggered_by ?? [],
      )) {
        for (const target of this.targetsOf(t.root, localRefs)) {
          if (this.byAddress.has(target)) addEdge(node.address, target, 'reference', t.text);
        }
      }
      for (const entry of Array.isArray(dependsOn) ? dependsOn : []) {
        // depends_on holds bare addresses (`aws_s3_bucket.Bucket`), possibly wrapped in `${}` by hand.
        const target = String(entry).replace(/^\$\{(.*)\}$/, '$1');
        if (this.byAddress.has(target)) addEdge(node.address, target, 'depends_on');
        else if (!target.startsWith('module.'))
          this.external.push({ from: node.address, to: target, text: String(entry) });
      }
    }

    for (const [name, refs] of localRefs) {
      for (const target of refs) {
        if (!this.byAddress.has(target) && looksLikeAddress(target)) {
          this.external.push({ from: `local.${name}`, to: target, text: target });
        }
      }
    }

    this.edges = [...edges.entries()]
      .map(([key, e]) => {
        const [from, to] = key.split('\u0000');
        return { from, to, kind: e.kind, via: [...e.via].sort(compare) };
      })
      .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));

    this.outputs = Object.entries(doc.output ?? {})
      .map(([name, block]) => {
        const references = new Set<string>();
        for (const t of traversalsIn(block.value)) {
          for (const target of this.targetsOf(t.root, localRefs)) {
            if (this.byAddress.has(target)) references.add(target);
            else if (looksLikeAddress(target))
              this.external.push({ from: `output.${name}`, to: target, text: t.text });
          }
        }
        return {
          name,
          sensitive: block.sensitive === true,
          value: block.value,
          references: [...references].sort(compare),
        };
      })
      .sort((a, b) => compare(a.name, b.name));
    this.external.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
  }

  /** The node at an address, or `undefined`. */
  public node(address: string): GraphNode | undefined {
    return this.byAddress.get(address);
  }

  /** The node at an address; throws naming the known addresses of that type when it is missing. */
  public get(address: string): GraphNode {
    const node = this.byAddress.get(address);
    if (node === undefined) {
      const type = address.replace(/^data\./, '').split('.')[0];
      const known = this.nodes.filter((n) => n.type === type).map((n) => n.address);
      throw new Error(
        `${address} is not in stack ${this.stackName}` +
          (known.length > 0 ? `; resources of type ${type}: ${known.join(', ')}` : ''),
      );
    }
    return node;
  }

  /** The resources (and, with `mode: 'data'`, data sources) of one type, sorted by address. */
  public ofType(type: string, mode: NodeMode = 'managed'): GraphNode[] {
    return this.nodes.filter((n) => n.type === type && n.mode === mode);
  }

  /** The nodes whose construct path is `constructPath` or lies below it. */
  public underConstruct(constructPath: string): GraphNode[] {
    return this.nodes.filter(
      (n) => n.constructPath === constructPath || n.constructPath?.startsWith(`${constructPath}/`),
    );
  }

  /** The one node whose construct path is exactly `constructPath`, or `undefined`. */
  public byConstructPath(constructPath: string): GraphNode | undefined {
    return this.nodes.find((n) => n.constructPath === constructPath);
  }

  /** Resource types with their counts, sorted by type (managed resources and data sources separately). */
  public countsByType(): { readonly type: string; readonly mode: NodeMode; readonly count: number }[] {
    const counts = new Map<string, { type: string; mode: NodeMode; count: number }>();
    for (const n of this.nodes) {
      const key = `${n.mode}:${n.type}`;
      const entry = counts.get(key) ?? { type: n.type, mode: n.mode, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
    return [...counts.values()].sort((a, b) => compare(a.mode, b.mode) || compare(a.type, b.type));
  }

  /**
   * What `address` depends on: direct dependencies, or with `transitive` everything it needs first.
   * Sorted by address.
   */
  public dependenciesOf(address: string, options: { readonly transitive?: boolean } = {}): string[] {
    this.get(address);
    return this.reach(address, this.deps, options.transitive ?? false);
  }

  /** What depends on `address` (directly, or with `transitive` also indirectly). Sorted by address. */
  public dependentsOf(address: string, options: { readonly transitive?: boolean } = {}): string[] {
    this.get(address);
    return this.reach(address, this.rdeps, options.transitive ?? false);
  }

  /** True when `from` depends on `to`, directly or through other nodes. */
  public dependsOn(from: string, to: string): boolean {
    return this.dependenciesOf(from, { transitive: true }).includes(to);
  }

  /**
   * The order Terraform can create (or read) the nodes in: every node after all its dependencies. Among
   * nodes that are ready at the same time, the smallest address first, so the order is deterministic.
   */
  public createOrder(): string[] {
    return this.topological(this.deps, this.rdeps);
  }

  /**
   * The order Terraform destroys managed resources in: every resource before everything it depends on
   * (data sources are not destroyed and are left out). Deterministic like {@link createOrder}.
   */
  public destroyOrder(): string[] {
    return this.topological(this.rdeps, this.deps).filter((a) => this.byAddress.get(a)!.mode === 'managed');
  }

  /** References (in resources, outputs and locals) to resources or data sources the document lacks. */
  public referencesOutsideStack(): readonly ExternalReference[] {
    return this.external;
  }

  /** Addresses referenced from a traversal root, looking through locals. */
  private targetsOf(root: string, localRefs: Map<string, Set<string>>): string[] {
    if (root.startsWith('local.')) return [...(localRefs.get(root.slice('local.'.length)) ?? [])];
    return isResourceRoot(root) ? [root] : [];
  }

  /** For each local value, the resource addresses it references, following locals that use locals. */
  private resolveLocals(locals: Record<string, unknown>): Map<string, Set<string>> {
    const direct = new Map<string, string[]>();
    for (const [name, value] of Object.entries(locals)) {
      direct.set(
        name,
        traversalsIn(value).map((t) => t.root),
      );
    }
    const resolved = new Map<string, Set<string>>();
    const visit = (name: string, seen: Set<string>): Set<string> => {
      const done = resolved.get(name);
      if (done !== undefined) return done;
      const out = new Set<string>();
      if (seen.has(name)) return out;
      seen.add(name);
      for (const root of direct.get(name) ?? []) {
        if (root.startsWith('local.')) for (const r of visit(root.slice('local.'.length), seen)) out.add(r);
        else if (isResourceRoot(root)) out.add(root);
      }
      resolved.set(name, out);
      return out;
    };
    for (const name of direct.keys()) visit(name, new Set());
    return resolved;
  }

  private reach(start: string, adjacency: Map<string, Set<string>>, transitive: boolean): string[] {
    const seen = new Set<string>();
    const queue = [...adjacency.get(start)!];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      if (transitive) queue.push(...adjacency.get(next)!);
    }
    seen.delete(start);
    return [...seen].sort(compare);
  }

  /** Kahn's algorithm: a node comes out once everything in `before` of it has come out. */
  private topological(before: Map<string, Set<string>>, after: Map<string, Set<string>>): string[] {
    const waiting = new Map<string, number>();
    for (const n of this.nodes) waiting.set(n.address, before.get(n.address)!.size);
    const ready = this.nodes.filter((n) => waiting.get(n.address) === 0).map((n) => n.address);
    const order: string[] = [];
    while (ready.length > 0) {
      ready.sort(compare);
      const next = ready.shift()!;
      order.push(next);
      for (const m of after.get(next)!) {
        const left = waiting.get(m)! - 1;
        waiting.set(m, left);
        if (left === 0) ready.push(m);
      }
    }
    if (order.length !== this.nodes.length) {
      const stuck = this.nodes.map((n) => n.address).filter((a) => !order.includes(a));
      throw new Error(
        `stack ${this.stackName} has a dependency cycle among: ${stuck.join(', ')}. ` +
          'Terraform cannot plan it: remove a reference or depends_on between these resources.',
      );
    }
    return order;
  }
}

/** Every stack in a cdktf synth output folder (`cdktf.out`), by stack name, sorted. */
export function readSynthOutput(dirOrFile: string): StackGraph[] {
  const stat = statOrUndefined(dirOrFile);
  if (stat === undefined) {
    throw new Error(`${dirOrFile} does not exist. Pass a cdktf synth output folder or a cdk.tf.json file.`);
  }
  if (stat.isFile()) return [StackGraph.fromFile(dirOrFile)];
  const manifestPath = path.join(dirOrFile, 'manifest.json');
  if (fs.existsSync(manifestPath)) {
    let manifest: { stacks?: Record<string, { synthesizedStackPath?: string }> };
    try {
      manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as typeof manifest;
    } catch (error) {
      throw new Error(
        `${manifestPath} cannot be read: ${(error as Error).message}. Run \`cdktf synth\` again to rewrite it.`,
      );
    }
    return Object.entries(manifest.stacks ?? {})
      .sort(([a], [b]) => compare(a, b))
      .map(([name, s]) =>
        StackGraph.fromFile(
          path.join(dirOrFile, s.synthesizedStackPath ?? path.join('stacks', name, 'cdk.tf.json')),
        ),
      );
  }
  const direct = path.join(dirOrFile, 'cdk.tf.json');
  if (fs.existsSync(direct)) return [StackGraph.fromFile(direct)];
  const stacksDir = path.join(dirOrFile, 'stacks');
  if (fs.existsSync(stacksDir)) {
    return fs
      .readdirSync(stacksDir)
      .sort(compare)
      .filter((s) => fs.existsSync(path.join(stacksDir, s, 'cdk.tf.json')))
      .map((s) => StackGraph.fromFile(path.join(stacksDir, s, 'cdk.tf.json')));
  }
  throw new Error(
    `${dirOrFile} holds no manifest.json, cdk.tf.json or stacks/*/cdk.tf.json. ` +
      "Pass the folder `cdktf synth` wrote (cdktf.out) or one stack's cdk.tf.json.",
  );
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** `data.t.n` always names a data source; `t.n` names a resource when `t` looks like a resource type. */
function looksLikeAddress(address: string): boolean {
  const parts = address.split('.');
  if (parts[0] === 'data') return parts.length === 3;
  return parts.length === 2 && looksLikeResourceType(parts[0]);
}

/** Code-point order, independent of locale, so orders are the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
