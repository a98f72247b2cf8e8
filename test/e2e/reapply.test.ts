import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { StackGraph } from '../../review/plan/graph';
import { LocalServices, startLocalServices } from '../../local';
import { LocalApplier } from '../../local/applier';
import { synthesizeExample } from '../../local/demo/synthesize';
import { projectRoot } from '../../local/project-root';
import { ENVIRONMENT } from '../../runtime/config/environment';
import { ENTRYPOINT } from '../../runtime/image';

/**
 * The plan the example synthesizes with the constructs at these construct paths removed from it: their
 * resources and data sources go, and so do outputs that referenced them.
 */
function withoutConstructs(graph: StackGraph, constructPaths: readonly string[]): StackGraph {
  const document = JSON.parse(JSON.stringify(graph.document)) as {
    resource?: Record<string, Record<string, unknown>>;
    data?: Record<string, Record<string, unknown>>;
    output?: Record<string, unknown>;
  };
  const removed = new Set(constructPaths.flatMap((p) => graph.underConstruct(p).map((n) => n.address)));
  for (const node of graph.nodes) {
    if (!removed.has(node.address)) continue;
    const section = node.mode === 'data' ? document.data! : document.resource!;
    delete section[node.type][node.name];
    if (Object.keys(section[node.type]).length === 0) delete section[node.type];
  }
  for (const output of graph.outputs) {
    if (output.references.some((r) => removed.has(r))) delete document.output![output.name];
  }
  return StackGraph.fromJson(document);
}

describe('re-applying the example with a changed plan', () => {
  let services: LocalServices;
  let applier: LocalApplier;
  let graph: StackGraph;
  let runDirectory: string;
  let service: string;
  const steps: string[] = [];

  beforeAll(async () => {
    runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'reapply-test-'));
    services = await startLocalServices({
      kafka: { brokers: 1, topics: [{ name: 'demo', partitions: 4 }] },
      aws: { enforceIam: true },
    });
    graph = await synthesizeExample(path.join(runDirectory, 'cdktf.out'), {
      EXAMPLE_AWS_ENDPOINT: services.aws.endpoint,
      EXAMPLE_AWS_REGION: services.aws.region,
      EXAMPLE_KAFKA_BROKERS: services.kafka.bootstrap,
      EXAMPLE_BUCKET: 'reapply-test-bucket',
      EXAMPLE_INTERVAL_SECONDS: '2',
      EXAMPLE_CONSUMERS: '2',
    });
    applier = await LocalApplier.create({
      aws: services.aws,
      entrypoint: ENTRYPOINT,
      workingDirectory: projectRoot(),
      logDirectory: path.join(runDirectory, 'logs'),
      httpPortVariable: ENVIRONMENT.httpPort,
      onStep: (step) => steps.push(JSON.stringify(step)),
    });
    await applier.apply(graph);
    service = graph.ofType('aws_ecs_service')[0].address;
  }, 300_000); // hang guards on a shared machine, not speed limits

  afterAll(async () => {
    await applier?.destroy({ removeBuckets: true }).catch(() => applier.tasks.stopAll());
    await services?.stop();
    fs.rmSync(runDirectory, { recursive: true, force: true });
  }, 120_000);

  const at = (constructPath: string) => graph.byConstructPath(`s3-export/${constructPath}`)!.address;
  const secretArn = () => String(applier.attribute(at('Sink/Secret'), 'arn'));

  test("the access key's secret appears in no apply step and no task log, and is not handed out", async () => {
    const { SecretString } = await services.aws
      .secretsManager()
      .send(new GetSecretValueCommand({ SecretId: secretArn() }));
    const secret = JSON.parse(SecretString!).AccessKey.SecretAccessKey as string;
    expect(secret.length).toBeGreaterThanOrEqual(20);

    expect(steps.join('\n')).not.toContain(secret);
    for (const task of applier.tasks.tasksOf(service)) {
      expect(fs.readFileSync(task.logFile, 'utf8')).not.toContain(secret);
    }
    expect(() => applier.attribute(at('Writer/AccessKey'), 'secret')).toThrow(
      /aws_iam_access_key.Writer_AccessKey_\w+.secret is a secret attribute; the applier does not hand it out/,
    );
  });

  test("the tasks' output reaches the log group the task definition names (awslogs)", async () => {
    const logs = new CloudWatchLogsClient({
      endpoint: services.aws.endpoint,
      region: services.aws.region,
      credentials: services.aws.adminCredentials,
    });
    const group = String(applier.attribute(at('Exporter/Logs'), 'name'));
    const shipped = async () =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events ?? [];
    let events = await shipped();
    // Shipping runs every second; wait for the startup lines rather than for a fixed time.
    for (let i = 0; i < 30 && !events.some((e) => e.message?.includes('validation object written')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      events = await shipped();
    }

    expect(events.some((e) => e.message?.includes('validation object written'))).toBe(true);
    const streams = new Set(events.map((e) => e.logStreamName));
    expect(streams.size).toBe(2);
    for (const stream of streams) expect(stream).toMatch(/^exporter\/batch-exporter\/[0-9a-f]{32}$/);
  });

  test('refuses to remove the sink while the exporter still uses it, naming both, and changes nothing', async () => {
    const withoutSink = withoutConstructs(graph, ['s3-export/Sink']);

    await expect(applier.apply(withoutSink)).rejects.toThrow(
      new RegExp(
        [
          'refusing to apply stack s3-export: it removes s3-export/Sink, which s3-export/Exporter still uses:',
          '  - aws_secretsmanager_secret.Sink_Secret_\\w+ \\(s3-export/Sink/Secret\\) is still used by ' +
            'aws_ecs_task_definition.Exporter_TaskDefinition_\\w+ \\(s3-export/Exporter/TaskDefinition\\), ' +
            'aws_iam_role_policy.Exporter_ExecutionRolePolicy_\\w+ \\(s3-export/Exporter/ExecutionRolePolicy\\)',
          '  - terraform_data.Sink_DeployValidation_\\w+ \\(s3-export/Sink/DeployValidation/Resource\\) is still used ' +
            'by aws_ecs_service.Exporter_Service_\\w+ \\(s3-export/Exporter/Service\\)',
          'Remove the batch exporter first and apply, then remove the sink',
        ].join('\n'),
      ),
    );
    expect(applier.tasks.tasksOf(service)).toHaveLength(2);
    expect(applier.tasks.tasksOf(service).every((t) => t.exit() === undefined)).toBe(true);
    const { SecretString } = await services.aws
      .secretsManager()
      .send(new GetSecretValueCommand({ SecretId: secretArn() }));
    expect(JSON.parse(SecretString!).AccessKey.Status).toBe('Active');
  });

  test('removing the exporter stops its processes first and leaves the sink, its key and its user', async () => {
    const tasks = [...applier.tasks.tasksOf(service)];
    const withoutExporter = withoutConstructs(graph, [
      's3-export/Exporter',
      's3-export/BatchExporterRuntimeImage',
    ]);

    const steps = await applier.apply(withoutExporter);

    expect(steps[0]).toMatchObject({ action: 'destroy', address: service });
    expect(steps[0].detail).toMatch(/^stopped 2 exporter process\(es\)/);
    expect(steps.every((s) => s.action === 'destroy' || s.action === 'forget')).toBe(true);
    expect(steps.map((s) => s.address).sort()).toEqual(
      graph.nodes
        .filter((n) => /^s3-export\/(Exporter|BatchExporterRuntimeImage)\//.test(n.constructPath ?? ''))
        .map((n) => n.address)
        .sort(),
    );
    expect(tasks.map((t) => t.exit())).toEqual(['exit code 0', 'exit code 0']);
    expect(applier.tasks.tasksOf(service)).toHaveLength(0);
    const { SecretString } = await services.aws
      .secretsManager()
      .send(new GetSecretValueCommand({ SecretId: secretArn() }));
    expect(JSON.parse(SecretString!).AccessKey.AccessKeyId).toBe(
      applier.attribute(at('Writer/AccessKey'), 'id'),
    );
    const user = String(applier.attribute(at('Writer/User'), 'name'));
    await expect(services.aws.iam().send(new GetUserCommand({ UserName: user }))).resolves.toBeDefined();
    expect(applier.appliedAddresses()).toEqual(
      expect.arrayContaining([
        at('Sink/Secret'),
        at('Sink/Credentials'),
        at('Sink/DeployValidation/Resource'),
      ]),
    );
  }, 120_000);
});
