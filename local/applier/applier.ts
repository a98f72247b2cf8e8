/**
 * A local `terraform apply` for the synthesized plan: reads `cdk.tf.json` through the plan's graph reader
 * (review/plan/graph.ts, the same one the construct tests use), resolves references, and creates each
 * resource on the local AWS (moto) in the graph's create order; destroys in its destroy order. Re-applying a
 * changed plan destroys what left it and creates what joined it.
 *
 * It is a development tool for the demo and the end-to-end tests, not a Terraform replacement: it never
 * updates a resource in place, and it refuses any resource type it does not know (see registry.ts).
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GraphNode, StackGraph } from '../../review/plan/graph';
import { AwsCredentials } from '../aws/moto';
import { evaluateDeep, ReferenceResolver, Value } from './expression';
import { ExporterTasks } from './exporter-tasks';
import { DATA_SOURCE_HANDLERS, NO_OP_DATA_TYPES, NO_OP_TYPES, resourceHandlers } from './registry';
import { AppliedResource, Attributes, HandlerContext, LocalAwsTarget, ResourceHandler } from './types';

/** Where the applier creates resources: a running local AWS (see local/aws/moto.ts). */
export interface LocalAwsEndpoint {
  readonly endpoint: string;
  readonly region: string;
  /** Credentials allowed to do everything, like the identity that runs `terraform apply`. */
  readonly adminCredentials: AwsCredentials;
}

export interface LocalApplierOptions {
  readonly aws: LocalAwsEndpoint;
  /** The exporter image's entry point, run for each ECS task. */
  readonly entrypoint: readonly string[];
  /** Where the entry point runs (the image's working directory: the project root). */
  readonly workingDirectory: string;
  /** Where each task's output is written. */
  readonly logDirectory: string;
  /** The runtime's health port variable, set to a free port per task. */
  readonly httpPortVariable: string;
  /**
   * Variables set over every task's environment, e.g. the local Kafka and S3 endpoints when the plan was
   * synthesized for real ones.
   * @default {}
   */
  readonly environmentOverrides?: Readonly<Record<string, string>>;
  /**
   * How long a task may take to answer /healthz (ECS `wait_for_steady_state`).
   * @default 60
   */
  readonly healthTimeoutSeconds?: number;
  /** Told about each step as it happens (the demo prints them). */
  readonly onStep?: (step: ApplyStep) => void;
  /** Told when an exporter task stops on its own and is replaced (as the ECS scheduler does). */
  readonly onTaskEvent?: (text: string) => void;
}

export type StepAction = 'create' | 'read' | 'no-op' | 'destroy' | 'keep' | 'forget';

/** One thing the applier did. */
export interface ApplyStep {
  readonly action: StepAction;
  readonly address: string;
  readonly type: string;
  readonly constructPath?: string;
  /** What it became or what happened, in a few words. */
  readonly detail: string;
}

/** What an apply would do: addresses in the order they will be handled. */
export interface ApplyPlan {
  readonly destroy: readonly string[];
  readonly create: readonly string[];
  readonly unchanged: readonly string[];
}

export interface DestroyOptions {
  /**
   * Also delete buckets (with every object in them). By default a bucket is kept since it holds the
   * exported data, and so are its settings.
   * @default false
   */
  readonly removeBuckets?: boolean;
}

/** Arguments that are Terraform meta-arguments, not the resource's own. */
const META_ARGUMENTS = new Set(['//', 'depends_on', 'lifecycle', 'provider', 'timeouts']);
const UNSUPPORTED_META = ['count', 'for_each', 'connection'];

export class LocalApplier {
  /** Connects to the local AWS (asks its account id) and returns an applier with empty state. */
  public static async create(options: LocalApplierOptions): Promise<LocalApplier> {
    const config = {
      endpoint: options.aws.endpoint,
      region: options.aws.region,
      credentials: options.aws.adminCredentials,
    };
    const identity = await new STSClient(config).send(new GetCallerIdentityCommand({}));
    return new LocalApplier(options, identity.Account ?? '123456789012');
  }

  /** The runtime processes standing in for ECS tasks. */
  public readonly tasks: ExporterTasks;
  private readonly state = new Map<string, AppliedResource>();
  private readonly handlers: Readonly<Record<string, ResourceHandler>>;
  private readonly accountId: string;
  private applied?: StackGraph;
  /** The plan's provider region (moto keeps regions apart like AWS), else the local default. */
  private region: string;

  private constructor(
    private readonly options: LocalApplierOptions,
    accountId: string,
  ) {
    this.accountId = accountId;
    this.region = options.aws.region;
    this.tasks = new ExporterTasks({
      entrypoint: options.entrypoint,
      workingDirectory: options.workingDirectory,
      logDirectory: options.logDirectory,
      httpPortVariable: options.httpPortVariable,
      onTaskEvent: options.onTaskEvent,
    });
    this.handlers = resourceHandlers(
      {
        environmentOverrides: options.environmentOverrides ?? {},
        healthTimeoutSeconds: options.healthTimeoutSeconds ?? 60,
      },
      {
        workingDirectory: options.workingDirectory,
        environmentOverrides: options.environmentOverrides ?? {},
      },
    );
  }

  /** What each node of a plan becomes locally (for the plan summary); throws for unknown types. */
  public describe(graph: StackGraph): { readonly address: string; readonly locally: string }[] {
    this.checkTypes(graph);
    return graph.createOrder().map((address) => ({ address, locally: this.locallyOf(graph.get(address)) }));
  }

  /** What applying `graph` would do, after every check (unknown types, refused removals and changes). */
  public plan(graph: StackGraph): ApplyPlan {
    this.checkTypes(graph);
    const removed = [...this.state.keys()].filter((a) => graph.node(a) === undefined);
    this.checkRemovals(graph, removed);
    const kept = [...this.state.keys()].filter((a) => graph.node(a) !== undefined);
    this.checkUnchanged(graph, kept);
    const destroyOrder = this.applied?.destroyOrder() ?? [];
    // Data sources are not in the destroy order (nothing to destroy); they are only forgotten.
    const removedReads = removed.filter((a) => this.state.get(a)!.mode === 'data');
    return {
      destroy: [...destroyOrder.filter((a) => removed.includes(a)), ...removedReads],
      create: graph.createOrder().filter((a) => !this.state.has(a)),
      unchanged: graph.createOrder().filter((a) => this.state.has(a)),
    };
  }

  /** Applies the plan: destroys what left it, creates what joined it. Returns the steps taken. */
  public async apply(graph: StackGraph): Promise<ApplyStep[]> {
    const plan = this.plan(graph);
    if (this.applied === undefined) this.region = providerRegion(graph) ?? this.options.aws.region;
    const steps: ApplyStep[] = [];
    for (const address of plan.destroy) steps.push(await this.destroyOne(address));
    // From here on everything in the state is in `graph`: its destroy order also undoes a failed apply.
    this.applied = graph;
    for (const address of plan.create) steps.push(await this.createOne(graph, address));
    return steps;
  }

  /**
   * Destroys everything applied, in the plan's destroy order: the exporter's processes first, the bucket
   * last (kept unless `removeBuckets`).
   */
  public async destroy(options: DestroyOptions = {}): Promise<ApplyStep[]> {
    const order = (this.applied?.destroyOrder() ?? []).filter((a) => this.state.has(a));
    const kept = options.removeBuckets ? new Set<string>() : this.bucketsAndTheirSettings();
    const steps: ApplyStep[] = [];
    for (const address of order) {
      if (kept.has(address)) {
        const resource = this.state.get(address)!;
        this.state.delete(address);
        steps.push(
          this.report({
            action: 'keep',
            address,
            type: resource.type,
            constructPath: resource.constructPath,
            detail:
              resource.type === 'aws_s3_bucket'
                ? `kept bucket ${resource.attributes.bucket}: it holds the exported data`
                : 'kept with its bucket',
          }),
        );
      } else {
        steps.push(await this.destroyOne(address));
      }
    }
    // Data sources are only reads: nothing to destroy.
    this.state.clear();
    this.applied = undefined;
    return steps;
  }

  /** One attribute of an applied resource. Secret attributes are refused: read them from the service. */
  public attribute(address: string, name: string): Value {
    const resource = this.state.get(address);
    if (resource === undefined) throw new Error(`${address} is not applied`);
    if (this.sensitiveOf(resource.type).includes(name)) {
      throw new Error(`${address}.${name} is a secret attribute; the applier does not hand it out`);
    }
    if (!(name in resource.attributes)) {
      throw new Error(
        `${address} has no attribute "${name}" (has: ${Object.keys(resource.attributes).join(', ')})`,
      );
    }
    return resource.attributes[name];
  }

  /** Addresses applied so far, in create order. */
  public appliedAddresses(): string[] {
    return [...this.state.keys()];
  }

  /** Every type the applier knows: applied for real, read, or no-op locally. */
  public static knownTypes(): {
    readonly managed: string[];
    readonly data: string[];
    readonly noOp: string[];
  } {
    const handlers = resourceHandlers(
      { environmentOverrides: {}, healthTimeoutSeconds: 0 },
      { workingDirectory: '.', environmentOverrides: {} },
    );
    return {
      managed: Object.keys(handlers).sort(),
      data: Object.keys(DATA_SOURCE_HANDLERS).sort(),
      noOp: [...Object.keys(NO_OP_TYPES), ...Object.keys(NO_OP_DATA_TYPES).map((t) => `data.${t}`)].sort(),
    };
  }

  private target(): LocalAwsTarget {
    const { endpoint, adminCredentials: credentials } = this.options.aws;
    const region = this.region;
    const config = { endpoint, region, credentials };
    return {
      endpoint,
      region,
      accountId: this.accountId,
      credentials,
      s3: new S3Client({ ...config, forcePathStyle: true }),
      iam: new IAMClient(config),
      secretsManager: new SecretsManagerClient(config),
    };
  }

  private context(): HandlerContext {
    return { aws: this.target(), tasks: this.tasks, state: this.state };
  }

  private locallyOf(node: GraphNode): string {
    if (node.mode === 'data') {
      return DATA_SOURCE_HANDLERS[node.type]?.locally ?? `no-op locally: ${NO_OP_DATA_TYPES[node.type]}`;
    }
    return this.handlers[node.type]?.locally ?? `no-op locally: ${NO_OP_TYPES[node.type]}`;
  }

  private sensitiveOf(type: string): readonly string[] {
    return this.handlers[type]?.sensitive ?? [];
  }

  /** Every type in the plan must be known; all unknown ones are reported in one error. */
  private checkTypes(graph: StackGraph): void {
    const unknown = new Map<string, string[]>();
    const unsupported: string[] = [];
    for (const node of graph.nodes) {
      const known =
        node.mode === 'data'
          ? node.type in DATA_SOURCE_HANDLERS || node.type in NO_OP_DATA_TYPES
          : node.type in this.handlers || node.type in NO_OP_TYPES;
      const key = node.mode === 'data' ? `data source ${node.type}` : `resource type ${node.type}`;
      if (!known) unknown.set(key, [...(unknown.get(key) ?? []), node.address]);
      for (const meta of UNSUPPORTED_META) {
        if (meta in node.block) unsupported.push(`${node.address} uses "${meta}"`);
      }
      if ('provisioner' in node.block && node.type !== 'terraform_data') {
        unsupported.push(`${node.address} has a provisioner (only terraform_data's local-exec is run)`);
      }
    }
    const problems = [
      ...[...unknown].map(
        ([what, addresses]) => `${what} is not known to the local applier (${addresses.join(', ')})`,
      ),
      ...unsupported.map((u) => `${u}, which the local applier does not support`),
    ];
    if (problems.length > 0) {
      const known = LocalApplier.knownTypes();
      throw new Error(
        `cannot apply stack ${graph.stackName} locally:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
          `Known resource types: ${known.managed.join(', ')}; data sources: ${known.data.join(', ')}; ` +
          `no-op locally: ${known.noOp.join(', ')}. Add a handler in local/applier/resources/ and list it in ` +
          'local/applier/registry.ts (or, if it has no local meaning, in NO_OP_TYPES).',
      );
    }
  }

  /**
   * A resource may leave the plan only if nothing that stays still uses it: the seed's "first remove the
   * batch exporter, and only then remove the sink". Every conflict is reported at once.
   */
  private checkRemovals(graph: StackGraph, removed: readonly string[]): void {
    if (removed.length === 0) return;
    const removedSet = new Set(removed);
    const users = new Map<string, Set<string>>();
    const use = (user: string, used: string) => users.set(used, (users.get(used) ?? new Set()).add(user));
    for (const ref of graph.referencesOutsideStack()) if (removedSet.has(ref.to)) use(ref.from, ref.to);
    for (const [address, resource] of this.state) {
      if (graph.node(address) === undefined) continue;
      for (const dependency of resource.dependencies)
        if (removedSet.has(dependency)) use(address, dependency);
    }
    if (users.size === 0) return;
    const pathOf = (address: string) =>
      this.state.get(address)?.constructPath ?? graph.node(address)?.constructPath;
    const describe = (address: string) => {
      const path = pathOf(address);
      return path === undefined ? address : `${address} (${path})`;
    };
    // The constructs involved (`stack/Sink`, `stack/Exporter`): what a user removed and what still uses it.
    const topLevel = (addresses: Iterable<string>) =>
      [...new Set([...addresses].map((a) => pathOf(a)?.split('/').slice(0, 2).join('/') ?? a))].sort();
    const removing = topLevel(users.keys());
    const using = topLevel([...users.values()].flatMap((by) => [...by]));
    const lines = [...users]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(
        ([used, by]) => `  - ${describe(used)} is still used by ${[...by].sort().map(describe).join(', ')}`,
      );
    throw new Error(
      `refusing to apply stack ${graph.stackName}: it removes ${removing.join(', ')}, which ` +
        `${using.join(', ')} still use${using.length === 1 ? 's' : ''}:\n` +
        `${lines.join('\n')}\n` +
        'Remove the batch exporter first and apply, then remove the sink (or remove both in one change: ' +
        'the exporter is then destroyed first). Nothing was changed.',
    );
  }

  /** The applier does not update in place: a changed resource is refused, naming every one. */
  private checkUnchanged(graph: StackGraph, kept: readonly string[]): void {
    const changed = kept.filter((a) => this.state.get(a)!.block !== blockText(graph.get(a)));
    if (changed.length === 0) return;
    throw new Error(
      `refusing to apply stack ${graph.stackName}: the local applier creates and destroys resources but does ` +
        `not update them in place, and these changed: ${changed.join(', ')}. Destroy the deployment and ` +
        'apply the new plan. Nothing was changed.',
    );
  }

  private async createOne(graph: StackGraph, address: string): Promise<ApplyStep> {
    const node = graph.get(address);
    const dependencies = graph.dependenciesOf(address);
    const base = { address, type: node.type, constructPath: node.constructPath };
    const noOpReason = node.mode === 'data' ? NO_OP_DATA_TYPES[node.type] : NO_OP_TYPES[node.type];
    if (
      noOpReason !== undefined &&
      !(node.mode === 'data' ? node.type in DATA_SOURCE_HANDLERS : node.type in this.handlers)
    ) {
      this.remember(node, { '//noop': true }, dependencies);
      return this.report({ ...base, action: 'no-op', detail: `no-op locally: ${noOpReason}` });
    }
    const config = this.resolve(node);
    if (node.mode === 'data') {
      const handler = DATA_SOURCE_HANDLERS[node.type];
      const attributes = await this.run(address, () => handler.read(address, config, this.context()));
      this.remember(node, { ...config, ...attributes }, dependencies);
      return this.report({ ...base, action: 'read', detail: handler.locally });
    }
    const handler = this.handlers[node.type];
    const attributes = await this.run(address, () => handler.create(address, config, this.context()));
    this.remember(node, { ...config, ...attributes }, dependencies);
    const note = typeof attributes.local_note === 'string' ? ` (${attributes.local_note})` : '';
    return this.report({
      ...base,
      action: 'create',
      detail: `${handler.locally}: ${String(attributes.id ?? '')}${note}`,
    });
  }

  private async destroyOne(address: string): Promise<ApplyStep> {
    const resource = this.state.get(address)!;
    const base = { address, type: resource.type, constructPath: resource.constructPath };
    this.state.delete(address);
    if (resource.mode === 'data')
      return this.report({ ...base, action: 'forget', detail: 'data source dropped' });
    if (resource.attributes['//noop'] === true) {
      return this.report({
        ...base,
        action: 'destroy',
        detail: `no-op locally: ${NO_OP_TYPES[resource.type]}`,
      });
    }
    const detail = await this.run(address, () =>
      this.handlers[resource.type].destroy(resource, this.context()),
    );
    return this.report({ ...base, action: 'destroy', detail });
  }

  /** Buckets and the S3 settings resources of those buckets: kept on destroy unless asked otherwise. */
  private bucketsAndTheirSettings(): Set<string> {
    const buckets = [...this.state.values()].filter((r) => r.type === 'aws_s3_bucket').map((r) => r.address);
    const kept = new Set(buckets);
    for (const resource of this.state.values()) {
      if (resource.type.startsWith('aws_s3_bucket_') && resource.dependencies.some((d) => kept.has(d))) {
        kept.add(resource.address);
      }
    }
    return kept;
  }

  private remember(node: GraphNode, attributes: Attributes, dependencies: readonly string[]): void {
    this.state.set(node.address, {
      address: node.address,
      type: node.type,
      mode: node.mode,
      constructPath: node.constructPath,
      attributes,
      dependencies,
      block: blockText(node),
    });
  }

  /** The node's arguments with every reference and function evaluated. */
  private resolve(node: GraphNode): Attributes {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node.block)) if (!META_ARGUMENTS.has(key)) args[key] = value;
    const resolver: ReferenceResolver = {
      attribute: (root, name) => {
        const resource = this.state.get(root);
        if (resource === undefined) {
          throw new Error(`${node.address} references ${root}, which is not applied (is it in the plan?)`);
        }
        if (resource.attributes['//noop'] === true) return this.placeholder(resource, name);
        if (!(name in resource.attributes)) {
          throw new Error(
            `${node.address} references ${root}.${name}, an attribute the local applier does not know ` +
              `(known: ${Object.keys(resource.attributes).sort().join(', ')})`,
          );
        }
        return resource.attributes[name];
      },
    };
    try {
      return evaluateDeep(args, resolver) as Attributes;
    } catch (error) {
      throw new Error(`${node.address}: ${(error as Error).message}`);
    }
  }

  /**
   * The value of a no-op resource's attribute: ARNs look like ARNs (policies on moto are validated), the
   * rest names where it came from. Nothing local acts on these values.
   */
  private placeholder(resource: AppliedResource, name: string): string {
    const id = `noop-local/${resource.address}`;
    if (name === 'arn' || name.endsWith('_arn')) {
      const service = resource.type.split('_')[1] ?? 'local';
      return `arn:aws:${service}:${this.region}:${this.accountId}:${id}`;
    }
    return `${id}.${name}`;
  }

  private async run<T>(address: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(message.startsWith(address) ? message : `${address}: ${message}`);
    }
  }

  private report(step: ApplyStep): ApplyStep {
    this.options.onStep?.(step);
    return step;
  }
}

/** The default AWS provider's region when the plan gives it literally. */
function providerRegion(graph: StackGraph): string | undefined {
  const providers = (graph.document.provider as { aws?: unknown } | undefined)?.aws;
  const list = Array.isArray(providers) ? providers : providers === undefined ? [] : [providers];
  const main = list.find((p: { alias?: string }) => p.alias === undefined) as
    { region?: unknown } | undefined;
  return typeof main?.region === 'string' && !main.region.includes('${') ? main.region : undefined;
}

/** The block as synthesized, without cdktf's metadata (which holds nothing Terraform applies). */
function blockText(node: GraphNode): string {
  const rest: Record<string, unknown> = { ...node.block };
  delete rest['//'];
  return JSON.stringify(rest);
}
