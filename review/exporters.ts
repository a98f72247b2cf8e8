/**
 * The batch exporters in a stack, read from their ECS task definitions' `BATCH_EXPORTER_*` environment (the
 * names of runtime/config/environment.ts) and their services: stream, sink, interval, prefix, consumers,
 * and the chain exporter -> sink -> key -> user -> bucket that a reviewer follows.
 */
import { ENVIRONMENT } from '../runtime/config/environment';
import { exporterTaskDefinitions } from './plan/ecs';
import { traversalsIn } from './plan/expressions';
import { StackGraph } from './plan/graph';
import { policyGrants, refTo } from './plan/iam';
import { parseS3Arn } from './plan/s3-arn';
import { secretUses } from './plan/secrets';

export interface ExporterReview {
  /** BATCH_EXPORTER_NAME. */
  readonly name?: string;
  readonly taskDefinition: string;
  readonly container: string;
  /** The ECS services running it. */
  readonly services: readonly string[];
  readonly stream: { readonly name?: string; readonly topic?: string; readonly brokers?: string };
  readonly sink: {
    readonly bucket?: string;
    /** The Secrets Manager secret its credentials come from (access-key mode). */
    readonly credentialsSecret?: string;
    /** `access-key` (credentials from the secret) or `task-role` (default credential chain). */
    readonly credentials: 'access-key' | 'task-role';
  };
  readonly intervalSeconds?: string;
  readonly pathPrefix?: string;
  /** The services' desired task count: consumers in the group, splitting the partitions. */
  readonly consumers?: string;
  /** exporter -> sink -> key -> user -> bucket (task-role mode: exporter -> task role -> bucket). */
  readonly chain: readonly ChainLink[];
}

export interface ChainLink {
  readonly role: 'exporter' | 'sink' | 'key' | 'user' | 'task role' | 'bucket';
  /** A node address; for a bucket the stack does not manage, its name. */
  readonly address: string;
  /** True for a bucket that exists outside the stack (the sink was made from an existing bucket). */
  readonly external?: boolean;
}

export function reviewExporters(graph: StackGraph): ExporterReview[] {
  const out: ExporterReview[] = [];
  for (const { taskDefinition, containers } of exporterTaskDefinitions(graph)) {
    const services = graph
      .ofType('aws_ecs_service')
      .filter(
        (s) => refTo(graph, s.block.task_definition, 'aws_ecs_task_definition') === taskDefinition.address,
      );
    for (const container of containers) {
      const env = new Map(container.environment.map((e) => [e.name, e.value]));
      const credentials = container.secrets.find((s) => s.name === ENVIRONMENT.sinkCredentials);
      const secret = credentials ? secretNode(graph, credentials.valueFrom) : undefined;
      const consumers = services.map((s) => s.block.desired_count).filter((c) => c !== undefined);
      const review: ExporterReview = {
        ...(env.has(ENVIRONMENT.exporterName) ? { name: env.get(ENVIRONMENT.exporterName) } : {}),
        taskDefinition: taskDefinition.address,
        container: container.name,
        services: services.map((s) => s.address),
        stream: {
          name: env.get(ENVIRONMENT.streamName),
          topic: env.get(ENVIRONMENT.topic),
          brokers: env.get(ENVIRONMENT.kafkaBrokers),
        },
        sink: {
          bucket: env.get(ENVIRONMENT.sinkBucket),
          ...(secret !== undefined ? { credentialsSecret: secret } : {}),
          credentials:
            credentials !== undefined || env.has(ENVIRONMENT.sinkCredentialsFile)
              ? 'access-key'
              : 'task-role',
        },
        intervalSeconds: env.get(ENVIRONMENT.intervalSeconds),
        pathPrefix: env.get(ENVIRONMENT.pathPrefix),
        ...(consumers.length > 0 ? { consumers: consumers.map(String).join(', ') } : {}),
        chain: withBucket(
          chainOf(
            graph,
            services[0]?.address ?? taskDefinition.address,
            taskDefinition.block.task_role_arn,
            secret,
          ),
          env.get(ENVIRONMENT.sinkBucket),
        ),
      };
      out.push(review);
    }
  }
  return out;
}

/** The secret a `valueFrom` names (`${aws_secretsmanager_secret.S.arn}` or `...:Key::` suffixed forms). */
function secretNode(graph: StackGraph, valueFrom: string): string | undefined {
  for (const t of traversalsIn(valueFrom)) {
    const node = graph.node(t.root);
    if (node?.type === 'aws_secretsmanager_secret' || node?.type === 'aws_secretsmanager_secret_version')
      return node.address;
  }
  return undefined;
}

function chainOf(
  graph: StackGraph,
  exporter: string,
  taskRoleArn: unknown,
  secret: string | undefined,
): ChainLink[] {
  const chain: ChainLink[] = [{ role: 'exporter', address: exporter }];
  const grants = policyGrants(graph);
  const bucketsOf = (principal: string) => {
    const buckets = new Set<string>();
    for (const g of grants.filter((x) => x.principal.address === principal && x.policy.ok)) {
      for (const s of g.policy.ok ? g.policy.statements : []) {
        for (const r of s.resources) {
          const arn = parseS3Arn(graph, r);
          if (arn !== undefined && graph.node(arn.bucket) !== undefined) buckets.add(arn.bucket);
        }
      }
    }
    return [...buckets].sort();
  };
  if (secret !== undefined) {
    chain.push({ role: 'sink', address: secret });
    const secretAddress = graph.node(secret)?.type === 'aws_secretsmanager_secret' ? secret : undefined;
    const versions = graph
      .ofType('aws_secretsmanager_secret_version')
      .filter(
        (v) =>
          secretAddress === undefined ||
          refTo(graph, v.block.secret_id, 'aws_secretsmanager_secret') === secretAddress,
      );
    const keys = new Set<string>();
    for (const use of secretUses(graph)) {
      if (
        versions.some((v) => v.address === use.by) &&
        graph.node(use.reference.node)?.type === 'aws_iam_access_key'
      ) {
        keys.add(use.reference.node);
      }
    }
    for (const key of [...keys].sort()) {
      chain.push({ role: 'key', address: key });
      const user = refTo(graph, graph.get(key).block.user, 'aws_iam_user');
      if (user !== undefined) {
        chain.push({ role: 'user', address: user });
        for (const bucket of bucketsOf(user)) chain.push({ role: 'bucket', address: bucket });
      }
    }
    return chain;
  }
  const role = refTo(graph, taskRoleArn, 'aws_iam_role');
  if (role !== undefined) {
    chain.push({ role: 'task role', address: role });
    for (const bucket of bucketsOf(role)) chain.push({ role: 'bucket', address: bucket });
  }
  return chain;
}

/** Ends the chain at the sink's bucket also when the stack does not manage it (an existing bucket). */
function withBucket(chain: ChainLink[], bucketName: string | undefined): ChainLink[] {
  if (chain.some((l) => l.role === 'bucket') || bucketName === undefined || bucketName.includes('${'))
    return chain;
  return [...chain, { role: 'bucket', address: bucketName, external: true }];
}
