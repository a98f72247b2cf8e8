import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Annotations, ITerraformDependable, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

import { ENVIRONMENT } from '../../runtime/config/environment';
import { renderEnvironment } from '../../runtime/config/render';
import { HEALTHCHECK_COMMAND } from '../../runtime/image';
import { isKnown, PropProblems } from '../core/problems';
import {
  ASSIGN_PUBLIC_IP,
  CONSUMERS,
  EXPORT_INTERVAL_SECONDS,
  LOG_RETENTION_DAYS,
  READONLY_ROOT_FILESYSTEM,
  TASK_CPU,
  TASK_MEMORY_MIB,
} from '../core/secure-defaults';
import { ISink } from '../sink/s3-sink';
import {
  allow,
  ECR_AUTH_ACTIONS,
  ECR_PULL_ACTIONS,
  KMS_ACTIONS_FOR_SECRET_READ,
  LOG_WRITE_ACTIONS,
  policyDocument,
  SECRET_READ_ACTIONS,
  AllowStatement,
} from '../writer/permissions';
import {
  BatchExporterProps,
  RECOMMENDED_MIN_INTERVAL_SECONDS,
  validateExporterProps,
} from './exporter-props';

/** Name of the runtime's container in the task definition. */
export const CONTAINER_NAME = 'batch-exporter';

/** Seconds ECS waits after SIGTERM before SIGKILL: the runtime flushes its batch and commits in that time. */
export const STOP_TIMEOUT_SECONDS = 60;

/** A batch exporter as other constructs see it. */
export interface IBatchExporter extends IConstruct {
  /** The exporter's name (unique per stream). */
  readonly exporterName: string;
  /** The sink it writes to. */
  readonly sink: ISink;
}

/** Exporters per stack, by stream and name, to refuse two with one name on one stream. */
const NAMES_IN_STACK = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * The batch exporter: the runtime image as an ECS Fargate service with
 * `consumers` tasks in one consumer group, configured through environment variables rendered by the
 * runtime's own `renderEnvironment` (the one source of truth for names and formats), the sink's credentials
 * injected from its secret through ECS `secrets` (never plain environment), a log group with retention,
 * an execution role that may read only that secret (plus kms:Decrypt on its key), and
 * `wait_for_steady_state` with a deployment circuit breaker, so a task that cannot start fails the deploy.
 */
export class BatchExporter extends Construct implements IBatchExporter {
  public readonly exporterName: string;
  public readonly sink: ISink;
  /** The Kafka consumer group of its tasks: `batch-exporter-<stream name>-<exporter name>`. */
  public readonly consumerGroupId: string;
  /** The path prefix the exporter writes under (undefined: the bucket root). */
  public readonly pathPrefix?: string;
  /** The container's plain environment (escape hatch: read-only view of what the task gets). */
  public readonly environment: Readonly<Record<string, string>>;
  /** Escape hatches to every resource. */
  public readonly logGroup: CloudwatchLogGroup;
  public readonly executionRole: IamRole;
  public readonly executionRolePolicy: IamRolePolicy;
  public readonly taskRole: IamRole;
  public readonly taskRolePolicy?: IamRolePolicy;
  public readonly cluster?: EcsCluster;
  public readonly taskDefinition: EcsTaskDefinition;
  public readonly service: EcsService;

  public constructor(scope: Construct, id: string, props: BatchExporterProps) {
    super(scope, id);
    const { name, pathPrefix, problems } = validateExporterProps(this.node.path, props);
    const stack = TerraformStack.of(this);
    if (props.sink) checkSameStack(problems, stack, props.sink);
    if (props.stream) checkNameUnused(problems, stack, props.stream.name, name, this.node.path);
    problems.throwIfAny();
    NAMES_IN_STACK.get(stack)!.set(`${props.stream.name}\u0000${name}`, this.node.path);
    this.node.addValidation({ validate: () => sinkStillPresent(this, props.sink) });

    this.exporterName = name;
    this.sink = props.sink;
    this.pathPrefix = pathPrefix;
    const interval = props.interval ?? EXPORT_INTERVAL_SECONDS;
    if (isKnown(interval) && interval < RECOMMENDED_MIN_INTERVAL_SECONDS) {
      Annotations.of(this).addWarning(
        `interval ${interval}s is below the recommended minimum of ${RECOMMENDED_MIN_INTERVAL_SECONDS}s: each ` +
          `consumer writes one object per interval, so this makes many small objects (fine for a demo; use 60 ` +
          `or more in production)`,
      );
    }
    const tags = props.tags;
    // Exporter names are unique per stream only (seed: "Batch exporter names are unique per connected
    // stream"), so every name that must be unique in the account or the Kafka cluster includes the stream.
    const awsName = ecsName(`${props.stream.name}-${name}`);
    this.consumerGroupId = `batch-exporter-${props.stream.name}-${name}`;
    const auth = props.stream.auth ?? {};
    const sink = props.sink;
    const image = props.image.bind(this);

    const rendered = renderEnvironment({
      exporterName: name,
      stream: { name: props.stream.name, topic: props.stream.topic ?? props.stream.name },
      kafka: {
        brokers: props.stream.brokers,
        groupId: this.consumerGroupId,
        tls: auth.tls,
        sasl:
          auth.saslMechanism === undefined
            ? undefined
            : { mechanism: auth.saslMechanism, username: auth.username },
      },
      sink: { bucket: sink.bucket.bucketName, region: sink.region, endpoint: sink.endpoint },
      pathPrefix,
      intervalSeconds: interval,
      includeExistingEvents: props.includeExistingEvents ?? false,
      maxObjectBytes: props.maxObjectBytes,
      logLevel: props.logLevel,
      onDataLoss: props.onDataLoss,
    });
    // renderEnvironment writes numbers with String(), which would print a number token's encoding instead of
    // the Terraform reference it stands for.
    for (const [variable, value] of [
      [ENVIRONMENT.intervalSeconds, interval],
      [ENVIRONMENT.maxObjectBytes, props.maxObjectBytes],
    ] as const) {
      if (value !== undefined && !isKnown(value)) rendered[variable] = Token.asString(value);
    }
    this.environment = sortedRecord(rendered);
    const secrets: Array<{ name: string; valueFrom: string }> = [];
    const secretArns: string[] = [];
    const kmsKeyArns: string[] = [];
    if (sink.credentials.kind === 'secret') {
      secrets.push({ name: ENVIRONMENT.sinkCredentials, valueFrom: sink.credentials.secretArn });
      secretArns.push(sink.credentials.secretArn);
      if (sink.credentials.kmsKeyArn !== undefined) kmsKeyArns.push(sink.credentials.kmsKeyArn);
    }
    if (auth.passwordSecretArn !== undefined) {
      secrets.push({ name: ENVIRONMENT.kafkaSaslPassword, valueFrom: auth.passwordSecretArn });
      secretArns.push(auth.passwordSecretArn);
      if (auth.passwordSecretKmsKeyArn !== undefined) kmsKeyArns.push(auth.passwordSecretKmsKeyArn);
    }

    this.logGroup = new CloudwatchLogGroup(this, 'Logs', {
      name: `/batch-exporter/${props.stream.name}/${name}`,
      retentionInDays: props.logRetentionDays ?? LOG_RETENTION_DAYS,
      tags,
    });

    const assumedByEcsTasks = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    this.executionRole = new IamRole(this, 'ExecutionRole', {
      namePrefix: 'batch-exporter-exec-',
      description: `ECS agent of batch exporter ${name}: pull the image, read its sink secret, write its logs`,
      assumeRolePolicy: assumedByEcsTasks,
      tags,
    });
    const executionStatements: AllowStatement[] = [allow(LOG_WRITE_ACTIONS, [`${this.logGroup.arn}:*`])];
    if (secretArns.length > 0) executionStatements.push(allow(SECRET_READ_ACTIONS, secretArns));
    if (kmsKeyArns.length > 0) executionStatements.push(allow(KMS_ACTIONS_FOR_SECRET_READ, kmsKeyArns));
    if (image.repositoryArn !== undefined) {
      executionStatements.push(
        allow(ECR_PULL_ACTIONS, [image.repositoryArn]),
        allow(ECR_AUTH_ACTIONS, ['*']),
      );
    }
    this.executionRolePolicy = new IamRolePolicy(this, 'ExecutionRolePolicy', {
      role: this.executionRole.id,
      name: 'batch-exporter-execution',
      policy: JSON.stringify(policyDocument(executionStatements)),
    });

    this.taskRole = new IamRole(this, 'TaskRole', {
      namePrefix: 'batch-exporter-task-',
      description: `Batch exporter ${name} itself`,
      assumeRolePolicy: assumedByEcsTasks,
      tags,
    });
    if (sink.credentials.kind === 'task-role') {
      this.taskRolePolicy = new IamRolePolicy(this, 'TaskRolePolicy', {
        role: this.taskRole.id,
        name: 'batch-exporter-bucket-write-access',
        policy: sink.credentials.policyJson,
      });
    }

    const region = new DataAwsRegion(this, 'Region');
    this.taskDefinition = new EcsTaskDefinition(this, 'TaskDefinition', {
      family: awsName,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu ?? TASK_CPU),
      memory: String(props.memoryMiB ?? TASK_MEMORY_MIB),
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: JSON.stringify([
        {
          name: CONTAINER_NAME,
          image: image.imageUri,
          essential: true,
          readonlyRootFilesystem: READONLY_ROOT_FILESYSTEM,
          environment: Object.entries(this.environment).map(([key, value]) => ({ name: key, value })),
          secrets,
          stopTimeout: STOP_TIMEOUT_SECONDS,
          healthCheck: {
            // The image's own HEALTHCHECK (runtime/image.ts): /healthz, ready after validation and group join.
            command: ['CMD', ...HEALTHCHECK_COMMAND],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 60,
          },
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': this.logGroup.name,
              'awslogs-region': region.region,
              'awslogs-stream-prefix': 'exporter',
            },
          },
        },
      ]),
      tags,
    });

    if (props.clusterArn === undefined) {
      this.cluster = new EcsCluster(this, 'Cluster', { name: `batch-exporter-${awsName}`, tags });
    }
    const waitFor: ITerraformDependable[] = [this.executionRolePolicy];
    if (this.taskRolePolicy) waitFor.push(this.taskRolePolicy);
    if (sink.readiness) waitFor.push(sink.readiness);
    this.service = new EcsService(this, 'Service', {
      name: awsName,
      cluster: props.clusterArn ?? this.cluster!.arn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount: props.consumers ?? CONSUMERS,
      launchType: 'FARGATE',
      networkConfiguration: {
        subnets: [...props.network.subnetIds],
        securityGroups: [...props.network.securityGroupIds],
        assignPublicIp: props.network.assignPublicIp ?? ASSIGN_PUBLIC_IP,
      },
      waitForSteadyState: true,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: 'SERVICE',
      tags,
      // Tasks read the secret and use both roles' policies only when they start; the task definition
      // references the roles and the secret ARN, not the policies nor the secret's value (nor its deploy-time
      // validation). Without these, the first tasks could start before they can work, and on destroy the
      // service (its tasks) could outlive the credentials and permissions they use.
      dependsOn: waitFor,
    });
  }
}

/** ECS family, service and cluster names allow letters, digits, "-" and "_" only, up to 255 characters. */
function ecsName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function checkSameStack(problems: PropProblems, stack: TerraformStack, sink: ISink): void {
  if (TerraformStack.of(sink) !== stack) {
    problems.add(
      'sink',
      sink.node.path,
      `is in another stack (${TerraformStack.of(sink).node.path}); the graph must order the exporter and its sink, which needs one state`,
      'create the sink in the same stack as its exporters',
    );
  }
}

function checkNameUnused(
  problems: PropProblems,
  stack: TerraformStack,
  streamName: string,
  name: string,
  path: string,
): void {
  let names = NAMES_IN_STACK.get(stack);
  if (!names) {
    names = new Map();
    NAMES_IN_STACK.set(stack, names);
  }
  const existing = names.get(`${streamName}\u0000${name}`);
  if (existing !== undefined && existing !== path) {
    problems.add(
      'name',
      name,
      `is already used by the exporter at "${existing}" on stream "${streamName}" (names are unique per stream)`,
      'give this exporter another name, e.g. "<sink name>-<stream name>-2"',
    );
  }
}

/**
 * The sink must still be part of the app when the exporter is synthesized (a sink can only be torn down
 * after the batch exporters that use it). A sink removed from the tree (`node.tryRemoveChild`) while
 * an exporter still uses it would leave dangling references in the Terraform JSON.
 */
function sinkStillPresent(exporter: BatchExporter, sink: ISink): string[] {
  let child: IConstruct = sink;
  while (child.node.scope) {
    const parent = child.node.scope;
    if (parent.node.tryFindChild(child.node.id) !== child) {
      return [
        `BatchExporter "${exporter.exporterName}" (${exporter.node.path}) still uses sink "${sink.sinkName}" ` +
          `(${sink.node.path}), which has been removed from the stack. Remove the exporter together with the sink ` +
          '(Terraform then destroys the exporter first), or keep the sink.',
      ];
    }
    child = parent;
  }
  return [];
}
