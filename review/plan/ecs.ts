/**
 * Reads ECS task definitions' container definitions (a JSON-encoded attribute) and finds the batch
 * exporters among them by their `BATCH_EXPORTER_*` environment.
 */
import { ENVIRONMENT } from '../../runtime/config/environment';
import { decodeJsonAttribute } from './encoded-json';
import { GraphNode, StackGraph } from './graph';

/** One container of a task definition, as far as the review needs it. */
export interface ContainerDefinition {
  readonly name: string;
  readonly image?: string;
  /** Plain environment variables (visible in the task definition to anyone who can describe it). */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  /** Variables ECS fills from Secrets Manager or SSM at start (`valueFrom` is the secret's ARN). */
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly logConfiguration?: unknown;
}

/** The containers of an `aws_ecs_task_definition`, or why they cannot be read. */
export type ReadContainers =
  | { readonly ok: true; readonly containers: readonly ContainerDefinition[] }
  | { readonly ok: false; readonly reason: string };

export function containersOf(taskDefinition: GraphNode): ReadContainers {
  const decoded = decodeJsonAttribute(taskDefinition.block.container_definitions);
  if (!decoded.ok) return { ok: false, reason: decoded.reason };
  if (!Array.isArray(decoded.value)) return { ok: false, reason: 'container_definitions is not a JSON list' };
  return {
    ok: true,
    containers: decoded.value.map((c) => {
      const container = (c ?? {}) as Record<string, unknown>;
      const list = (v: unknown) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);
      return {
        name: String(container.name ?? ''),
        image: typeof container.image === 'string' ? container.image : undefined,
        environment: list(container.environment).map((e) => ({
          name: String(e.name),
          value: String(e.value),
        })),
        secrets: list(container.secrets).map((e) => ({
          name: String(e.name),
          valueFrom: String(e.valueFrom),
        })),
        logConfiguration: container.logConfiguration,
      };
    }),
  };
}

/** A container that runs the batch exporter: it is configured through `BATCH_EXPORTER_*` variables. */
export function isExporterContainer(container: ContainerDefinition): boolean {
  return (
    [...container.environment, ...container.secrets].some((e) => e.name === ENVIRONMENT.sinkBucket) ||
    container.environment.some((e) => e.name === ENVIRONMENT.topic)
  );
}

/** The task definitions that run a batch exporter, with their exporter containers. */
export function exporterTaskDefinitions(
  graph: StackGraph,
): { readonly taskDefinition: GraphNode; readonly containers: readonly ContainerDefinition[] }[] {
  const out = [];
  for (const node of graph.ofType('aws_ecs_task_definition')) {
    const read = containersOf(node);
    if (!read.ok) continue;
    const containers = read.containers.filter(isExporterContainer);
    if (containers.length > 0) out.push({ taskDefinition: node, containers });
  }
  return out;
}
