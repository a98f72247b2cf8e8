/**
 * ECS locally: a task definition is registered in the applier's state (its container definitions resolved),
 * and a service is "applied" by starting `desired_count` runtime processes with the task's environment and
 * its `secrets` read from the local Secrets Manager.
 */
import { randomBytes } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Value } from '../expression';
import { LogDestination } from '../log-shipper';
import { AppliedResource, HandlerContext, ResourceHandler } from '../types';
import { optionalNumber, requireString } from './arguments';
import { readSecretReference } from './secrets';

/** The part of an ECS container definition the applier reads. */
interface ContainerDefinition {
  readonly name?: string;
  readonly image?: string;
  readonly essential?: boolean;
  readonly environment?: readonly { readonly name: string; readonly value: string }[];
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly command?: readonly string[];
  readonly entryPoint?: readonly string[];
  readonly healthCheck?: { readonly command?: readonly string[] };
  readonly stopTimeout?: number;
  readonly logConfiguration?: { readonly logDriver?: string; readonly options?: Record<string, string> };
}

/** Per-service settings the caller gives the applier (the local side of the deployment). */
export interface ServiceRuntimeOptions {
  /** Set over the task's environment in every process (e.g. local endpoints); printed by the demo. */
  readonly environmentOverrides: Readonly<Record<string, string>>;
  readonly healthTimeoutSeconds: number;
}

export const ecsTaskDefinition: ResourceHandler = {
  locally: 'task definition, held locally',
  async create(address, config, { aws, state }) {
    const family = requireString(config, 'family', address);
    const containers = parseContainerDefinitions(address, config.container_definitions);
    const revision =
      [...state.values()].filter(
        (r) => r.type === 'aws_ecs_task_definition' && r.attributes.family === family,
      ).length + 1;
    const arn = `arn:aws:ecs:${aws.region}:${aws.accountId}:task-definition/${family}:${revision}`;
    return {
      id: family,
      arn,
      arn_without_revision: `arn:aws:ecs:${aws.region}:${aws.accountId}:task-definition/${family}`,
      revision,
      container_definitions: JSON.stringify(containers),
    };
  },
  async destroy(resource) {
    return `deregistered task definition ${resource.attributes.arn}`;
  },
};

export function ecsService(options: ServiceRuntimeOptions): ResourceHandler {
  return {
    locally: 'runtime processes (one per desired task)',
    async create(address, config, context) {
      const name = requireString(config, 'name', address);
      const taskDefinitionArn = requireString(config, 'task_definition', address);
      const count = optionalNumber(config, 'desired_count') ?? 1;
      const taskDefinition = findTaskDefinition(address, taskDefinitionArn, context);
      const container = mainContainer(address, taskDefinition);
      const { environment, secretValues } = await taskEnvironment(address, container, context);
      const tasks = await context.tasks.start({
        service: address,
        count,
        environment: { ...environment, ...options.environmentOverrides },
        secretValues,
        healthTimeoutSeconds: options.healthTimeoutSeconds,
        healthCommand: healthCommand(address, container),
        logDestination: logDestination(container, context),
        stopTimeoutSeconds: container.stopTimeout,
      });
      return {
        id: `arn:aws:ecs:${context.aws.region}:${context.aws.accountId}:service/${name}`,
        desired_count: count,
        task_pids: tasks.map((t) => t.pid),
      };
    },
    async destroy(resource, { tasks }) {
      const stopped = await tasks.stop(resource.address);
      const exits = stopped
        .map(
          (t) =>
            `task ${t.index} (pid ${t.pid}): ${t.exit() ?? 'running'}` +
            (t.replacements > 0 ? ` (replaced ${t.replacements} time(s) before)` : ''),
        )
        .join(', ');
      return `stopped ${stopped.length} exporter process(es): ${exits || 'none were running'}`;
    },
  };
}

/** The `awslogs` driver's destination per task: `<group>`, stream `<prefix>/<container>/<task id>`. */
function logDestination(
  container: ContainerDefinition,
  { aws }: HandlerContext,
): ((task: number) => LogDestination) | undefined {
  const config = container.logConfiguration;
  const group = config?.options?.['awslogs-group'];
  if (config?.logDriver !== 'awslogs' || group === undefined) return undefined;
  const client = new CloudWatchLogsClient({
    endpoint: aws.endpoint,
    region: config.options?.['awslogs-region'] ?? aws.region,
    credentials: aws.credentials,
  });
  const prefix = config.options?.['awslogs-stream-prefix'];
  return () => ({
    client,
    group,
    stream: [prefix, container.name ?? 'container', randomBytes(16).toString('hex')]
      .filter(Boolean)
      .join('/'),
  });
}

/** The container's health check as a command to run: `["CMD", ...argv]` or `["CMD-SHELL", "script"]`. */
function healthCommand(address: string, container: ContainerDefinition): string[] | undefined {
  const command = container.healthCheck?.command;
  if (command === undefined || command.length === 0) return undefined;
  const [kind, ...rest] = command;
  if (kind === 'CMD' && rest.length > 0) return [...rest];
  if (kind === 'CMD-SHELL' && rest.length === 1) return ['/bin/sh', '-c', rest[0]];
  throw new Error(
    `${address}: container ${container.name} has a health check command ${JSON.stringify(command)}; ` +
      'ECS expects ["CMD", ...] or ["CMD-SHELL", "command"]',
  );
}

function parseContainerDefinitions(address: string, value: Value | undefined): ContainerDefinition[] {
  if (typeof value !== 'string') {
    throw new Error(`${address}: container_definitions must be a JSON string`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`${address}: container_definitions is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error(`${address}: container_definitions must be a non-empty JSON list of containers`);
  }
  return parsed as ContainerDefinition[];
}

function findTaskDefinition(address: string, arn: string, { state }: HandlerContext): AppliedResource {
  const found = [...state.values()].find(
    (r) => r.type === 'aws_ecs_task_definition' && (r.attributes.arn === arn || r.attributes.family === arn),
  );
  if (found === undefined) {
    throw new Error(
      `${address}: task_definition ${arn} was not applied by this applier. Only task definitions declared in ` +
        'the same plan can be run locally.',
    );
  }
  return found;
}

/** The one container the runtime runs in: the only one, or the only essential one. */
function mainContainer(address: string, taskDefinition: AppliedResource): ContainerDefinition {
  const containers = JSON.parse(
    String(taskDefinition.attributes.container_definitions),
  ) as ContainerDefinition[];
  const essential = containers.filter((c) => c.essential !== false);
  if (essential.length !== 1) {
    throw new Error(
      `${address}: the local applier runs one container per task, but ${taskDefinition.address} has ` +
        `${essential.length} essential containers (${essential.map((c) => c.name).join(', ')})`,
    );
  }
  const container = essential[0];
  if (container.command !== undefined || container.entryPoint !== undefined) {
    throw new Error(
      `${address}: container ${container.name} overrides the image's command or entry point; the local ` +
        "applier only runs the image's own entry point",
    );
  }
  return container;
}

async function taskEnvironment(
  address: string,
  container: ContainerDefinition,
  { aws }: HandlerContext,
): Promise<{ environment: Record<string, string>; secretValues: string[] }> {
  const environment: Record<string, string> = {
    // Set by ECS in every task.
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    // No instance metadata service here: without this the SDK's credential chain would probe it.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  for (const { name, value } of container.environment ?? []) environment[name] = String(value);
  const secretValues: string[] = [];
  for (const { name, valueFrom } of container.secrets ?? []) {
    let value: string;
    try {
      value = await readSecretReference(aws.secretsManager, valueFrom);
    } catch (error) {
      throw new Error(
        `${address}: cannot read secret ${valueFrom} for ${name} from local Secrets Manager: ` +
          `${(error as Error).message}`,
      );
    }
    environment[name] = value;
    secretValues.push(value, ...stringLeaves(value));
  }
  return { environment, secretValues };
}

/** Strings inside a JSON secret (e.g. the SecretAccessKey in an access-key document), to mask in logs. */
function stringLeaves(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 8) out.push(v);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(parsed);
  return out;
}
