/**
 * The demo, step by step: local Kafka and AWS; the example synthesized against them; the plan; the apply;
 * clickstream events; the bucket read back; the teardown in destroy order; one verdict line.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { StackGraph } from '../../review/plan/graph';
import { ENVIRONMENT } from '../../runtime/config/environment';
import { loadConfig } from '../../runtime/config/load';
import { ENTRYPOINT } from '../../runtime/image';
import { LocalServices, startLocalServices } from '../index';
import { ApplyStep, LocalApplier } from '../applier';
import { emptyBucket } from '../applier/resources/s3';
import { projectRoot } from '../project-root';
import {
  checkExport,
  ExportCheck,
  exportComplete,
  formatListing,
  listObjects,
  parseObjectName,
  readObject,
  verdictLine,
} from './bucket';
import { latestAssignments, TaskAssignment, waitForSettledGroup } from './consumer-group';
import { DemoOptions } from './options';
import { produceClickstream } from './producer';
import { synthesizeExample } from './synthesize';

/** Where the demo writes: lines of text, and a progress display for producing. */
export interface DemoOutput {
  line(text?: string): void;
  /** Starts a progress display; returns its update and stop functions. */
  progress(total: number): { update(done: number): void; stop(): void };
  /** Asks a yes/no question; only called when the run is interactive. */
  confirm?(question: string): Promise<boolean>;
}

export interface DemoResult {
  readonly check: ExportCheck;
  readonly verdict: string;
  readonly bucket: string;
  /** Data object names per interval start, as listed before teardown. */
  readonly objectsByInterval: Readonly<Record<string, readonly (readonly number[])[]>>;
  /** Each exporter task's partitions once the group settled. */
  readonly group: readonly TaskAssignment[];
  readonly runDirectory: string;
}

const STREAM = 'demo';
const PREFIX = 'events';
const SYMBOL: Record<ApplyStep['action'], string> = {
  create: '+',
  read: '<',
  'no-op': '~',
  destroy: '-',
  keep: '=',
  forget: '-',
};

export async function runDemo(options: DemoOptions, out: DemoOutput): Promise<DemoResult> {
  const runId = randomBytes(4).toString('hex');
  const runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-exporter-demo-'));
  out.line(`Local run ${runId}: logs and synthesized plan under ${runDirectory} (removed after a PASS)`);
  out.line();

  out.line(
    `1. Starting local Kafka (topic "${STREAM}", ${options.partitions} partitions) and local AWS ` +
      '(moto_server, IAM policies enforced)',
  );
  const services = await startLocalServices({
    kafka: { brokers: 1, topics: [{ name: STREAM, partitions: options.partitions }] },
    aws: { enforceIam: true },
  });
  let applier: LocalApplier | undefined;
  try {
    out.line(
      `   Apache Kafka ${services.kafka.version}${services.kafka.kraft ? ' (KRaft)' : ''} at ` +
        `${services.kafka.bootstrap}, AWS endpoint ${services.aws.endpoint}`,
    );
    out.line();

    out.line('2. Synthesizing examples/s3-export pointed at them');
    const bucketName = `batch-export-demo-${runId}`;
    const graph = await synthesizeExample(path.join(runDirectory, 'cdktf.out'), {
      EXAMPLE_AWS_ENDPOINT: services.aws.endpoint,
      EXAMPLE_AWS_REGION: services.aws.region,
      EXAMPLE_KAFKA_BROKERS: services.kafka.bootstrap,
      EXAMPLE_STREAM_NAME: STREAM,
      EXAMPLE_BUCKET: bucketName,
      EXAMPLE_PREFIX: PREFIX,
      EXAMPLE_INTERVAL_SECONDS: String(options.intervalSeconds),
      EXAMPLE_CONSUMERS: String(options.consumers),
    });
    out.line(`   ${path.join(runDirectory, 'cdktf.out')}: stack ${graph.stackName}`);
    out.line();

    applier = await LocalApplier.create({
      aws: services.aws,
      healthTimeoutSeconds: 120,
      entrypoint: ENTRYPOINT,
      workingDirectory: projectRoot(),
      logDirectory: path.join(runDirectory, 'logs'),
      httpPortVariable: ENVIRONMENT.httpPort,
      onTaskEvent: (text) => out.line(`   ! ${text}`),
      onStep: (step) =>
        out.line(
          `   ${SYMBOL[step.action]} ${shortName(step.constructPath, step.address)} (${step.type}): ${step.detail}`,
        ),
    });
    printPlan(graph, applier, out);
    if (!options.yes && out.confirm !== undefined && !(await out.confirm('   Apply this plan locally?'))) {
      throw new Error('not applied: the plan was not confirmed (pass --yes to apply without asking)');
    }
    out.line();

    out.line('4. Applying (resources in create order; the ECS service becomes exporter processes)');
    await applier.apply(graph);
    const service = graph.ofType('aws_ecs_service')[0].address;
    for (const task of applier.tasks.tasksOf(service)) {
      out.line(
        `   task ${task.index}: pid ${task.pid}, healthy, HTTP port ${task.httpPort}, log ${task.logFile}`,
      );
    }
    out.line();

    const { groupId } = exporterSettings(graph, applier);
    out.line(`5. Waiting for consumer group ${groupId} to settle with ${options.consumers} member(s)`);
    const tasks = applier.tasks.tasksOf(service);
    const group = await waitForSettledGroup(tasks, options.partitions, 60);
    printGroup(group, out);
    out.line();

    const total = options.eventsPerSecond * options.durationSeconds;
    out.line(
      `6. Producing ${total} clickstream events (${options.eventsPerSecond}/s for ${options.durationSeconds} s)`,
    );
    const bar = out.progress(total);
    const produced = await produceClickstream({
      brokers: services.kafka.brokers,
      topic: STREAM,
      eventsPerSecond: options.eventsPerSecond,
      durationSeconds: options.durationSeconds,
      runId,
      onProgress: (sent) => bar.update(sent),
    });
    bar.stop();
    out.line(`   produced ${produced.eventIds.size} events in ${produced.seconds.toFixed(1)} s`);
    out.line();

    const s3 = services.aws.s3();
    out.line(
      `7. Waiting for the exporter's interval (${options.intervalSeconds} s) to close and the files to land`,
    );
    const landed = await waitForExport(services, bucketName, produced.eventIds, options.intervalSeconds);
    out.line(`   ${landed.exported} of ${landed.produced} events in the bucket`);
    out.line();

    out.line(`$ aws s3 ls --recursive s3://${bucketName}/`);
    const objects = await listObjects(s3, bucketName);
    for (const line of formatListing(objects)) out.line(line);
    out.line();
    const firstData = objects.find((o) => parseObjectName(o.key) !== undefined);
    if (firstData !== undefined) {
      out.line(`$ aws s3 cp s3://${bucketName}/${firstData.key} - | head -1`);
      const firstLine = (await readObject(s3, bucketName, firstData.key)).split('\n')[0];
      for (const line of JSON.stringify(JSON.parse(firstLine), null, 2).split('\n')) out.line(line);
      out.line();
    }
    const objectsByInterval = splitByInterval(objects.map((o) => o.key));
    out.line('Partition split: each consumer writes one object per interval, for the partitions it owns');
    printGroup(latestAssignments(tasks), out);
    for (const [start, lists] of Object.entries(objectsByInterval)) {
      out.line(`   interval ${start}: ${lists.map((p) => `[${p.join(', ')}]`).join('  ')}`);
    }
    out.line();

    if (options.keep) {
      const logGroup = String(applier.attribute(graph.ofType('aws_cloudwatch_log_group')[0].address, 'name'));
      await keepRunning(services, bucketName, logGroup, runDirectory, out);
    }

    out.line(
      '8. Tearing down in destroy order (exporter processes first; the bucket is kept: it holds the data)',
    );
    const current = applier;
    applier = undefined;
    await current.destroy();
    const check = await checkExport(s3, bucketName, produced.eventIds);
    if (options.removeBucket) {
      const deleted = await emptyBucket(s3, bucketName);
      await s3.send(new DeleteBucketCommand({ Bucket: bucketName }));
      out.line(
        `   - bucket ${bucketName}: deleted with its ${deleted} object(s) and settings (--remove-bucket)`,
      );
    }
    out.line();
    const verdict = verdictLine(check);
    // Task logs and the plan only matter when something went wrong.
    if (exportComplete(check)) fs.rmSync(runDirectory, { recursive: true, force: true });
    out.line(verdict);
    return { check, verdict, bucket: bucketName, objectsByInterval, group, runDirectory };
  } finally {
    // On failure: stop exporter processes and remove what was created, so nothing is left running.
    if (applier !== undefined) await applier.destroy().catch(() => applier?.tasks.stopAll());
    await services.stop();
  }
}

function printPlan(graph: StackGraph, applier: LocalApplier, out: DemoOutput): void {
  const described = applier.describe(graph);
  const managed = graph.nodes.filter((n) => n.mode === 'managed').length;
  out.line(
    `3. Plan: ${managed} resources and ${graph.nodes.length - managed} data sources, in create order ` +
      '(from the graph reader in review/plan/graph.ts)',
  );
  const names = described.map(
    (d) => `${shortName(graph.get(d.address).constructPath, d.address)} (${graph.get(d.address).type})`,
  );
  const width = Math.max(...names.map((n) => n.length));
  described.forEach((d, i) => {
    out.line(`   ${String(i + 1).padStart(2)}. ${names[i].padEnd(width)}  ${d.locally}`);
  });
  const destroy = graph.destroyOrder().map((a) => shortName(graph.get(a).constructPath, a));
  out.line(`   Destroy order: ${destroy.join(', ')}`);
}

/** The construct path without the stack (`Writer/User`): what a reader recognises from the example. */
function shortName(constructPath: string | undefined, address: string): string {
  return constructPath === undefined ? address : constructPath.split('/').slice(1).join('/');
}

function printGroup(group: readonly TaskAssignment[], out: DemoOutput): void {
  for (const a of group) {
    out.line(`   consumer ${a.task} (pid ${a.pid}, join ${a.join}): partitions ${a.partitions.join(', ')}`);
  }
}

/** The exporter's group id and topic, as the runtime computes them from the task definition's environment. */
function exporterSettings(graph: StackGraph, applier: LocalApplier): { groupId: string } {
  const taskDefinition = graph.ofType('aws_ecs_task_definition')[0].address;
  const containers = JSON.parse(String(applier.attribute(taskDefinition, 'container_definitions'))) as {
    environment?: { name: string; value: string }[];
  }[];
  const env = Object.fromEntries((containers[0].environment ?? []).map((e) => [e.name, e.value]));
  const loaded = loadConfig(env);
  if (loaded.errors !== undefined) {
    throw new Error(
      `the task definition's environment is not a valid runtime configuration: ${loaded.errors.map((e) => e.message).join('; ')}`,
    );
  }
  return { groupId: loaded.config.kafka.groupId };
}

/** Polls the bucket until every produced event is there, or about three intervals have passed. */
async function waitForExport(
  services: LocalServices,
  bucket: string,
  produced: ReadonlySet<string>,
  intervalSeconds: number,
): Promise<ExportCheck> {
  const deadline = Date.now() + (3 * intervalSeconds + 15) * 1000;
  for (;;) {
    const check = await checkExport(services.aws.s3(), bucket, produced);
    if (exportComplete(check) || Date.now() > deadline) return check;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function splitByInterval(keys: readonly string[]): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const key of keys) {
    const name = parseObjectName(key);
    if (name !== undefined) (out[name.intervalStart] ??= []).push([...name.partitions]);
  }
  return out;
}

async function keepRunning(
  services: LocalServices,
  bucket: string,
  logGroup: string,
  runDirectory: string,
  out: DemoOutput,
): Promise<void> {
  const credentialsFile = path.join(runDirectory, 'aws-credentials');
  const { accessKeyId, secretAccessKey } = services.aws.adminCredentials;
  fs.writeFileSync(
    credentialsFile,
    `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`,
    { mode: 0o600 },
  );
  out.line('--keep: everything keeps running. In another shell:');
  out.line(
    `   export AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} AWS_ENDPOINT_URL=${services.aws.endpoint} ` +
      `AWS_DEFAULT_REGION=${services.aws.region}`,
  );
  out.line(`   aws s3 ls --recursive s3://${bucket}/`);
  out.line(`   aws logs tail ${logGroup}`);
  out.line(`   kcat -b ${services.kafka.bootstrap} -t ${STREAM} -C -o -1 -e`);
  out.line('Press Enter (or Ctrl-C) to tear down.');
  await new Promise<void>((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    const done = () => {
      rl.close();
      process.off('SIGINT', done);
      resolve();
    };
    rl.once('line', done);
    rl.once('close', done);
    process.once('SIGINT', done);
  });
  // The local administrator's key dies with moto_server; the file goes before that.
  fs.rmSync(credentialsFile, { force: true });
}
