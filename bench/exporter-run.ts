/**
 * The exporter end to end, as users run it: one or more real processes started with the image's exact
 * command (`node dist/runtime/cli/main.js run`) and environment (IMAGE_ENVIRONMENT), configured only by BATCH_EXPORTER_* variables, reading the
 * topic from the beginning (includeExistingEvents) into moto. The clock runs from the first process being
 * ready (/healthz) until the group's committed offsets reach every partition's high watermark; what is in
 * the bucket is checked after the clock stopped.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../local';
import { ENTRYPOINT, IMAGE_ENVIRONMENT } from '../runtime/image';
import { FlushLatency, histogramQuantileSeconds, intervalLatenciesMs, summarizeLatencies } from './latency';
import { GroupProgress } from './offsets';
import { PreloadedTopic } from './preload';
import { PutRecorder } from './put-recorder';
import { cpuSeconds, peakRssMb, perGigabyte } from './proc-status';
import { StoredObjects, readStoredObjects } from './stored-objects';
import { Throughput, round, throughput } from './throughput';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * The image's ENTRYPOINT minus the `node` binary (the bench's own node runs it), relative to the project
 * root as to the image's working directory.
 */
export const EXPORTER_COMMAND = ENTRYPOINT.slice(1);

const FLUSH_DURATION_METRIC = 'batch_exporter_flush_duration_seconds';

export interface ExporterRunSpec {
  /** Names the run's consumer group, path prefix and raw log files. */
  readonly label: string;
  readonly topic: PreloadedTopic;
  readonly consumers: number;
  readonly intervalSeconds: number;
  readonly maxObjectBytes: number;
  /** Write a V8 CPU profile of each process into this directory. */
  readonly cpuProfileDir?: string;
  /** The exporter's Kafka client (BATCH_EXPORTER_KAFKA_CLIENT). @default 'kafkajs' */
  readonly client?: 'kafkajs' | 'native';
}

export interface ExporterEnvironment {
  readonly projectRoot: string;
  readonly brokers: readonly string[];
  readonly s3: S3Client;
  /** The exporter's sink endpoint: moto behind the bench's PUT recorder. */
  readonly recorder: PutRecorder;
  readonly bucket: string;
  /** `aws iam create-access-key` JSON of the writer user. */
  readonly credentialsJson: string;
  /** Where logs and /metrics snapshots of each process go. */
  readonly rawDir: string;
  /** Give up on a run after this long. */
  readonly timeoutSeconds: number;
}

export interface ExporterProcessReport {
  readonly peakRssMb: number | undefined;
  readonly exitCode: number | null;
  readonly readySeconds: number;
}

export interface ExporterMeasurement extends Throughput {
  readonly tool: 'exporter';
  readonly label: string;
  readonly topic: string;
  readonly partitions: number;
  readonly consumers: number;
  readonly intervalSeconds: number;
  readonly maxObjectBytes: number;
  readonly client: 'kafkajs' | 'native';
  /**
   * CPU seconds (user + system, /proc) of every process from spawn to the last commit (start-up included,
   * shutdown not), and per GB of record values.
   */
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGb: number;
  /** From spawning the processes to the last commit (start-up and group join included). */
  readonly wallSeconds: number;
  /** Highest VmHWM of any of the run's processes. */
  readonly peakRssMb: number;
  readonly processes: readonly ExporterProcessReport[];
  /** Interval end -> the interval's last data object stored, per interval. */
  readonly flushLatency: FlushLatency;
  /** The raw samples behind `flushLatency`, so runs can be pooled. */
  readonly flushLatencySamplesMs: readonly number[];
  /** p50/p99 of the runtime's `batch_exporter_flush_duration_seconds` (bucket upper bounds), if exposed. */
  readonly runtimeFlushDurationSeconds: { readonly p50: number | null; readonly p99: number | null };
  readonly stored: StoredObjects;
}

interface RunningProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  readySeconds?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runExporter(
  env: ExporterEnvironment,
  spec: ExporterRunSpec,
): Promise<ExporterMeasurement> {
  const groupId = `bench-${spec.label}-${Date.now()}`;
  const prefix = `runs/${spec.label}`;
  const progress = await GroupProgress.open(env.brokers, spec.topic.topic);
  const spawned = performance.now();
  const processes: RunningProcess[] = [];
  try {
    for (let i = 0; i < spec.consumers; i++) {
      processes.push(await startProcess(env, spec, groupId, prefix, i));
    }
    const firstReady = await waitForReady(processes, spawned, env.timeoutSeconds);
    const finished = await waitForCommits(progress, groupId, processes, env.timeoutSeconds, spec);
    const peaks = processes.map((p) => (p.child.pid ? peakRssMb(p.child.pid) : undefined));
    const cpu = processes.reduce((sum, p) => sum + (p.child.pid ? (cpuSeconds(p.child.pid) ?? 0) : 0), 0);
    const metrics = await Promise.all(
      processes.map((p, i) => snapshotMetrics(p, path.join(env.rawDir, `${spec.label}-${i}.metrics.txt`))),
    );
    // Shutdown (flush, commit, leave the group) is not timed; the bucket is read meanwhile.
    const exiting = Promise.all(processes.map((p) => stop(p)));
    const stored = await readStoredObjects(env.s3, env.bucket, prefix);
    const exitCodes = await exiting;
    const latencies = intervalLatenciesMs(env.recorder.putsUnder(`${prefix}/`), prefix, spec.intervalSeconds);
    const seconds = (finished - firstReady) / 1000;
    return {
      tool: 'exporter',
      label: spec.label,
      topic: spec.topic.topic,
      partitions: spec.topic.partitions,
      consumers: spec.consumers,
      intervalSeconds: spec.intervalSeconds,
      maxObjectBytes: spec.maxObjectBytes,
      client: spec.client ?? 'kafkajs',
      cpuSeconds: round(cpu, 2),
      cpuSecondsPerGb: perGigabyte(cpu, spec.topic.valueBytes),
      ...throughput(spec.topic, spec.topic.events, seconds),
      wallSeconds: round((finished - spawned) / 1000, 3),
      peakRssMb: round(Math.max(...peaks.map((p) => p ?? 0)), 1),
      processes: processes.map((p, i) => ({
        peakRssMb: peaks[i] === undefined ? undefined : round(peaks[i], 1),
        exitCode: exitCodes[i],
        readySeconds: round(p.readySeconds ?? Number.NaN, 3),
      })),
      flushLatency: summarizeLatencies(latencies),
      flushLatencySamplesMs: latencies,
      runtimeFlushDurationSeconds: {
        p50: histogramQuantileSeconds(metrics, FLUSH_DURATION_METRIC, 0.5),
        p99: histogramQuantileSeconds(metrics, FLUSH_DURATION_METRIC, 0.99),
      },
      stored,
    };
  } finally {
    await Promise.all(processes.map((p) => stop(p)));
    await progress.close();
  }
}

async function startProcess(
  env: ExporterEnvironment,
  spec: ExporterRunSpec,
  groupId: string,
  prefix: string,
  index: number,
): Promise<RunningProcess> {
  const port = await freePort();
  const logFile = path.join(env.rawDir, `${spec.label}-${index}.log`);
  const log = fs.openSync(logFile, 'w');
  const nodeArgs = spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...EXPORTER_COMMAND], {
    cwd: env.projectRoot,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH,
      // The image's NODE_ENV and NODE_OPTIONS (V8 heap flags), so the bench measures what ships.
      ...IMAGE_ENVIRONMENT,
      BATCH_EXPORTER_NAME: `bench-${spec.label}`,
      BATCH_EXPORTER_STREAM_NAME: 'clickstream',
      BATCH_EXPORTER_TOPIC: spec.topic.topic,
      BATCH_EXPORTER_KAFKA_BROKERS: env.brokers.join(','),
      BATCH_EXPORTER_KAFKA_CLIENT_ID: `bench-${spec.label}-${index}`,
      BATCH_EXPORTER_KAFKA_GROUP_ID: groupId,
      BATCH_EXPORTER_KAFKA_CLIENT: spec.client ?? 'kafkajs',
      BATCH_EXPORTER_SINK_BUCKET: env.bucket,
      BATCH_EXPORTER_SINK_REGION: 'us-east-1',
      BATCH_EXPORTER_SINK_ENDPOINT: env.recorder.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS: env.credentialsJson,
      BATCH_EXPORTER_PATH_PREFIX: prefix,
      BATCH_EXPORTER_INTERVAL_SECONDS: String(spec.intervalSeconds),
      BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
      BATCH_EXPORTER_MAX_OBJECT_BYTES: String(spec.maxObjectBytes),
      BATCH_EXPORTER_HTTP_PORT: String(port),
      BATCH_EXPORTER_LOG_LEVEL: 'info',
    },
  });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
  return { child, port, logFile, exited };
}

function hasExited(p: RunningProcess): boolean {
  return p.child.exitCode !== null || p.child.signalCode !== null;
}

function failure(p: RunningProcess, what: string): Error {
  const tail = fs.readFileSync(p.logFile, 'utf8').split('\n').slice(-15).join('\n');
  return new Error(`exporter process ${p.child.pid} ${what}; last log lines (${p.logFile}):\n${tail}`);
}

/** Resolves with the time the first process answered /healthz with 200; every process must get there. */
async function waitForReady(
  processes: RunningProcess[],
  spawned: number,
  timeoutSeconds: number,
): Promise<number> {
  const deadline = spawned + timeoutSeconds * 1000;
  let first: number | undefined;
  while (processes.some((p) => p.readySeconds === undefined)) {
    for (const p of processes) {
      if (p.readySeconds !== undefined) continue;
      if (hasExited(p))
        throw failure(p, `exited with ${p.child.exitCode ?? p.child.signalCode} before it was ready`);
      if (await healthy(p.port)) {
        const now = performance.now();
        p.readySeconds = (now - spawned) / 1000;
        first ??= now;
      }
    }
    if (performance.now() > deadline) throw failure(processes[0], `was not ready within ${timeoutSeconds} s`);
    await sleep(50);
  }
  return first!;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Polls the group's committed offsets every 100 ms; resolves with the time all reached the high watermarks. */
async function waitForCommits(
  progress: GroupProgress,
  groupId: string,
  processes: RunningProcess[],
  timeoutSeconds: number,
  spec: ExporterRunSpec,
): Promise<number> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const { done, lag } = await progress.partitionsDone(groupId);
    if (done === progress.partitions) return performance.now();
    const dead = processes.find(hasExited);
    if (dead)
      throw failure(dead, `exited with ${dead.child.exitCode ?? dead.child.signalCode} (run ${spec.label})`);
    if (performance.now() > deadline) {
      throw failure(
        processes[0],
        `run ${spec.label}: only ${done}/${progress.partitions} partitions committed (lag ${lag}) after ${timeoutSeconds} s`,
      );
    }
    await sleep(100);
  }
}

/** Saves the process's /metrics text to `file` and returns it ('' when unavailable). */
async function snapshotMetrics(p: RunningProcess, file: string): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${p.port}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    fs.writeFileSync(file, text);
    return text;
  } catch (error) {
    fs.writeFileSync(file, `# /metrics unavailable: ${(error as Error).message}\n`);
    return '';
  }
}

/** SIGTERM (the exporter flushes, commits and leaves the group), SIGKILL after 30 s. */
async function stop(p: RunningProcess): Promise<number | null> {
  if (!hasExited(p)) {
    p.child.kill('SIGTERM');
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
    await p.exited;
    clearTimeout(timer);
  }
  return p.exited;
}
