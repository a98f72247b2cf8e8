/**
 * The exporter end to end, as users run it: one or more real processes started with the image's exact
 * command (`node dist/runtime/cli/main.js run`) and environment (IMAGE_ENVIRONMENT), configured only by
 * BATCH_EXPORTER_* variables, reading a preloaded topic from the beginning (includeExistingEvents) into the
 * bench's S3 side. The steady-state clock runs from the first process's first assignment (its
 * `assignment ready` log line) until the group's committed offsets reach every partition's high watermark;
 * start-up (spawn -> group joined -> first object stored) is reported beside it; what is in the bucket is
 * checked after the clock stopped.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../local';
import { ENTRYPOINT, IMAGE_ENVIRONMENT } from '../runtime/image';
import { FlushLatency, histogramQuantileSeconds, intervalLatenciesMs, summarizeLatencies } from './latency';
import { GroupProgress } from './offsets';
import { CpuPartyPids, CpuShares, cpuShares, cpuSnapshot } from './cpu-parties';
import { PreloadedTopic } from './preload';
import { PutRecorder, StoredPut } from './put-recorder';
import { cpuSeconds, peakRssMb, perGigabyte, threadCpuSeconds } from './proc-status';
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
  /** The exporter's sink endpoint: the bench's S3 side behind its PUT recorder. */
  readonly recorder: PutRecorder;
  readonly bucket: string;
  /** `aws iam create-access-key` JSON of the writer user. */
  readonly credentialsJson: string;
  /** The broker's and the S3 server's processes, for where the CPU goes (bench/cpu-parties.ts). */
  readonly cpuPids: CpuPartyPids;
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

/** Start-up of a run's first process, in seconds from its spawn (epoch clocks: the log's and the recorder's). */
export interface StartupTimes {
  /** Spawn -> the exporter's `starting batch exporter` log line (Node, modules, configuration). */
  readonly processStartedSeconds: number | null;
  /** Spawn -> `assignment ready`: group joined, partitions assigned, positions resolved. */
  readonly groupJoinedSeconds: number | null;
  /** Spawn -> the first data object answered 200 by the S3 side (the validation object not counted). */
  readonly firstObjectStoredSeconds: number | null;
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
   * CPU seconds (user + system, /proc) of every process from the first assignment to the last commit, and
   * per GB of record values: the steady state, start-up not included.
   */
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGb: number;
  /** The same from spawn to the last commit (start-up included, shutdown not), as earlier runs reported it. */
  readonly cpuSecondsIncludingStartup: number;
  readonly cpuSecondsPerGbIncludingStartup: number;
  /** From spawning the processes to the last commit (start-up and group join included). */
  readonly wallSeconds: number;
  /** Events/s from spawn to the last commit. */
  readonly eventsPerSecondIncludingStartup: number;
  /** Events/s from the first /healthz 200 to the last commit: the definition of runs before the steady-state bench. */
  readonly eventsPerSecondFromReady: number;
  readonly startup: StartupTimes;
  /** Highest VmHWM of any of the run's processes. */
  readonly peakRssMb: number;
  readonly processes: readonly ExporterProcessReport[];
  /**
   * CPU of every party (exporter, broker, S3 server, bench, machine) from the first process ready to the last
   * commit, with the CPU-bound ceiling of the data path and this run's events/s as a fraction of it.
   */
  readonly cpuShares: CpuShares;
  /** CPU seconds per thread name of the first process, spawn to the last commit (bench/proc-status.ts). */
  readonly threadCpuSeconds: Record<string, number>;
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
  /** Date.now() at spawn. */
  readonly spawnedAt: number;
  readySeconds?: number;
  /** CPU seconds when /healthz first answered 200 (right after `assignment ready`). */
  cpuAtReady?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Running exporter processes of one group, ready (every process answered /healthz 200). */
export interface ExporterGroup {
  readonly groupId: string;
  readonly prefix: string;
  readonly processes: readonly RunningProcess[];
  /** Date.now() when the first process was spawned. */
  readonly spawnedAt: number;
  /** Date.now() when the first process answered /healthz 200. */
  readonly firstReadyAt: number;
  /** Throws (with the log's tail) when a process has exited. */
  checkAlive(what: string): void;
  /** Peak RSS (MiB, highest of the processes) and summed CPU seconds now. */
  usage(): {
    readonly peakRssMb: number;
    readonly cpuSeconds: number;
    readonly peaks: (number | undefined)[];
  };
  /** SIGTERM every process; resolves with the exit codes. */
  stop(): Promise<(number | null)[]>;
}

/** Spawns `spec.consumers` exporter processes in one new group and waits until every one is ready. */
export async function startExporterGroup(
  env: ExporterEnvironment,
  spec: ExporterRunSpec,
): Promise<ExporterGroup> {
  const groupId = `bench-${spec.label}-${Date.now()}`;
  const prefix = `runs/${spec.label}`;
  const spawnedAt = Date.now();
  const processes: RunningProcess[] = [];
  const group: ExporterGroup = {
    groupId,
    prefix,
    processes,
    spawnedAt,
    firstReadyAt: Number.NaN,
    checkAlive: (what) => {
      const dead = processes.find(hasExited);
      if (dead) throw failure(dead, `exited with ${dead.child.exitCode ?? dead.child.signalCode} (${what})`);
    },
    usage: () => {
      const peaks = processes.map((p) => (p.child.pid ? peakRssMb(p.child.pid) : undefined));
      const cpu = processes.reduce((sum, p) => sum + (p.child.pid ? (cpuSeconds(p.child.pid) ?? 0) : 0), 0);
      return { peakRssMb: Math.max(...peaks.map((p) => p ?? 0)), cpuSeconds: cpu, peaks };
    },
    stop: () => Promise.all(processes.map((p) => stop(p))),
  };
  try {
    for (let i = 0; i < spec.consumers; i++) {
      processes.push(await startProcess(env, spec, groupId, prefix, i));
    }
    const firstReadyAt = await waitForReady(processes, env.timeoutSeconds);
    return { ...group, firstReadyAt };
  } catch (error) {
    await group.stop();
    throw error;
  }
}

/**
 * Drains the preloaded topic: starts the group, waits until its committed offsets equal the high
 * watermarks, then stops it and reads the bucket back.
 */
export async function runExporter(
  env: ExporterEnvironment,
  spec: ExporterRunSpec,
): Promise<ExporterMeasurement> {
  const progress = await GroupProgress.open(env.brokers, spec.topic.topic);
  let group: ExporterGroup | undefined;
  try {
    group = await startExporterGroup(env, spec);
    const running = group;
    const exporterPids = running.processes.map((p) => p.child.pid!);
    const cpuFrom = cpuSnapshot(env.cpuPids, exporterPids);
    const finishedAt = await waitForCommits(progress, running, env.timeoutSeconds, spec);
    const cpuTo = cpuSnapshot(env.cpuPids, exporterPids);
    const { peakRssMb: peak, cpuSeconds: cpuAtEnd, peaks } = running.usage();
    const pid = running.processes[0].child.pid;
    const threads = pid ? threadCpuSeconds(pid) : {};
    const cpuAtReady = running.processes.reduce((sum, p) => sum + (p.cpuAtReady ?? 0), 0);
    const metrics = await Promise.all(
      running.processes.map((p, i) =>
        snapshotMetrics(p, path.join(env.rawDir, `${spec.label}-${i}.metrics.txt`)),
      ),
    );
    // Shutdown (flush, commit, leave the group) is not timed; the bucket is read meanwhile.
    const exiting = running.stop();
    // Read back, then deleted: the S3 side holds at most one run's objects.
    const stored = await readStoredObjects(env.s3, env.bucket, running.prefix, { deleteAfter: true });
    const exitCodes = await exiting;
    const puts = env.recorder.putsUnder(`${running.prefix}/`);
    const latencies = intervalLatenciesMs(puts, running.prefix, spec.intervalSeconds);
    const logs = running.processes.map((p) => logTimes(p.logFile));
    const assignedAt = Math.min(...logs.map((l) => l.assignedAt ?? Number.POSITIVE_INFINITY));
    // The clock starts at the first assignment the log shows; /healthz answers right after it.
    const startedAt = Number.isFinite(assignedAt) ? assignedAt : running.firstReadyAt;
    const firstStored = firstDataPut(puts, running.prefix);
    const sinceSpawn = (at: number | undefined) =>
      at === undefined ? null : round((at - running.spawnedAt) / 1000, 3);
    const events = spec.topic.events;
    const measured = throughput(spec.topic, events, (finishedAt - startedAt) / 1000);
    return {
      tool: 'exporter',
      label: spec.label,
      topic: spec.topic.topic,
      partitions: spec.topic.partitions,
      consumers: spec.consumers,
      intervalSeconds: spec.intervalSeconds,
      maxObjectBytes: spec.maxObjectBytes,
      client: spec.client ?? 'kafkajs',
      ...measured,
      cpuSeconds: round(cpuAtEnd - cpuAtReady, 2),
      cpuSecondsPerGb: perGigabyte(cpuAtEnd - cpuAtReady, spec.topic.valueBytes),
      cpuSecondsIncludingStartup: round(cpuAtEnd, 2),
      cpuSecondsPerGbIncludingStartup: perGigabyte(cpuAtEnd, spec.topic.valueBytes),
      wallSeconds: round((finishedAt - running.spawnedAt) / 1000, 3),
      eventsPerSecondIncludingStartup: Math.round(events / ((finishedAt - running.spawnedAt) / 1000)),
      eventsPerSecondFromReady: Math.round(events / ((finishedAt - running.firstReadyAt) / 1000)),
      startup: {
        processStartedSeconds: sinceSpawn(logs[0]?.startedAt),
        groupJoinedSeconds: sinceSpawn(logs[0]?.assignedAt),
        firstObjectStoredSeconds: sinceSpawn(firstStored),
      },
      peakRssMb: round(peak, 1),
      processes: running.processes.map((p, i) => ({
        peakRssMb: peaks[i] === undefined ? undefined : round(peaks[i], 1),
        exitCode: exitCodes[i],
        readySeconds: round(p.readySeconds ?? Number.NaN, 3),
      })),
      cpuShares: cpuShares(env.cpuPids, cpuFrom, cpuTo, {
        events,
        valueBytes: spec.topic.valueBytes,
        exporterEventsPerSecond: measured.eventsPerSecond,
      }),
      threadCpuSeconds: threads,
      flushLatency: summarizeLatencies(latencies),
      flushLatencySamplesMs: latencies,
      runtimeFlushDurationSeconds: {
        p50: histogramQuantileSeconds(metrics, FLUSH_DURATION_METRIC, 0.5),
        p99: histogramQuantileSeconds(metrics, FLUSH_DURATION_METRIC, 0.99),
      },
      stored,
    };
  } finally {
    await group?.stop();
    await progress.close();
  }
}

/** Epoch ms of the first data object (not the validation object, not _invalid/) the S3 side stored. */
export function firstDataPut(puts: readonly StoredPut[], prefix: string): number | undefined {
  const data = puts.filter((p) => {
    const name = p.key.slice(prefix.length + 1);
    return !name.startsWith('.strm_test_') && !name.startsWith('_invalid/');
  });
  return data.length === 0 ? undefined : Math.min(...data.map((p) => p.storedAt));
}

/** Epoch ms of the exporter's first `starting batch exporter` and `assignment ready` log lines. */
function logTimes(logFile: string): { startedAt?: number; assignedAt?: number } {
  const times: { startedAt?: number; assignedAt?: number } = {};
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: string; msg?: string };
    try {
      entry = JSON.parse(line) as { time?: string; msg?: string };
    } catch {
      continue;
    }
    const at = entry.time ? Date.parse(entry.time) : Number.NaN;
    if (Number.isNaN(at)) continue;
    if (entry.msg === 'starting batch exporter') times.startedAt ??= at;
    if (entry.msg === 'assignment ready') times.assignedAt ??= at;
  }
  return times;
}

async function startProcess(
  env: ExporterEnvironment,
  spec: ExporterRunSpec,
  groupId: string,
  prefix: string,
  index: number,
): Promise<RunningProcess> {
  const port = await freePort();
  const spawnedAt = Date.now();
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
  return { child, port, logFile, exited, spawnedAt };
}

function hasExited(p: RunningProcess): boolean {
  return p.child.exitCode !== null || p.child.signalCode !== null;
}

function failure(p: RunningProcess, what: string): Error {
  const tail = fs.readFileSync(p.logFile, 'utf8').split('\n').slice(-15).join('\n');
  return new Error(`exporter process ${p.child.pid} ${what}; last log lines (${p.logFile}):\n${tail}`);
}

/** Resolves with Date.now() when the first process answered /healthz with 200; every process must get there. */
async function waitForReady(processes: RunningProcess[], timeoutSeconds: number): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let first: number | undefined;
  while (processes.some((p) => p.readySeconds === undefined)) {
    for (const p of processes) {
      if (p.readySeconds !== undefined) continue;
      if (hasExited(p))
        throw failure(p, `exited with ${p.child.exitCode ?? p.child.signalCode} before it was ready`);
      if (await healthy(p.port)) {
        const now = Date.now();
        p.readySeconds = (now - p.spawnedAt) / 1000;
        p.cpuAtReady = p.child.pid ? cpuSeconds(p.child.pid) : undefined;
        first ??= now;
      }
    }
    if (Date.now() > deadline) throw failure(processes[0], `was not ready within ${timeoutSeconds} s`);
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

/** Polls the group's committed offsets every 100 ms; resolves with Date.now() when all reached the high watermarks. */
async function waitForCommits(
  progress: GroupProgress,
  group: ExporterGroup,
  timeoutSeconds: number,
  spec: ExporterRunSpec,
): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const { done, lag } = await progress.partitionsDone(group.groupId);
    if (done === progress.partitions) return Date.now();
    group.checkAlive(`run ${spec.label}`);
    if (Date.now() > deadline) {
      throw failure(
        group.processes[0],
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
