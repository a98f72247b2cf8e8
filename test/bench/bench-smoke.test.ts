/**
 * The bench's smoke run: the same code as `npm run bench`, on a few hundred events, so the bench cannot
 * rot. Asserts on the structure and the counts of the results, never on speed (speed is for the bench).
 * Spawns the compiled bench (dist/bench/main.js), as `npm run bench` does: build first (npm test does).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../local/project-root';
import type { BenchResults } from '../../bench/results';
import { PROFILES, totalEvents } from '../../bench/profiles';
import { putsPerCell } from '../../bench/s3-ceiling';

const smoke = PROFILES.smoke;

describe('bench smoke run', () => {
  let outDir: string;
  let results: BenchResults;
  let stdout = '';
  let stderr = '';
  let exitCode: number | null;

  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    const script = path.join(projectRoot(), 'dist', 'bench', 'main.js');
    exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [script, '--smoke', '--out', outDir, '--raw', path.join(outDir, 'raw'), '--note', 'smoke test'],
        { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (exitCode === 0) {
      results = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults;
    }
  }, 300_000);

  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test('completes and writes results.json and the chart', () => {
    expect({ exitCode, stderr: exitCode === 0 ? '' : stderr }).toEqual({ exitCode: 0, stderr: '' });
    const svg = fs.readFileSync(path.join(outDir, 'throughput-rss.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('partitions');
  });

  test('puts the headline numbers and the machine at the top level', () => {
    expect(results.exporterVsKcat).toBeGreaterThan(0);
    expect(results.nativeExporterVsKcat).toBeGreaterThan(0);
    // Start-up is part of the older ratio's time, so it is the lower one.
    expect(results.exporterVsKcatIncludingStartup).toBeGreaterThan(0);
    expect(results.exporterVsKcatIncludingStartup).toBeLessThanOrEqual(results.exporterVsKcat);
    expect(results.peakRssMb).toBeGreaterThan(0);
    expect(results.p99FlushLatencyMsAllRuns).toEqual(expect.any(Number));
    // The smoke profile measures neither 256 partitions, 50 exporters nor two intervals: the keys exist, unmeasured.
    expect(results).toHaveProperty('growth256vs8', null);
    expect(results).toHaveProperty('synth50Seconds', null);
    expect(results).toHaveProperty('intervalRssGrowthMb', null);
    // Nor the peer (a JVM and 60 MB of jars): its ratio and target exist, unmeasured.
    expect(results).toHaveProperty('peer', null);
    expect(results).toHaveProperty('exporterVsPeer', null);
    expect(results.targets.find((t) => t.name === 'exporterVsPeer')).toMatchObject({
      measured: null,
      met: null,
    });
    expect(results.targets.map((t) => t.name)).toEqual([
      'exporterVsKcat',
      'nativeExporterVsKcat',
      'exporterVsPeer',
      'steadyStateDrainSeconds',
      'exporterCpuVsKcat',
      'nativeExporterCpuVsKcat',
      'peakRssMb',
      'startupToFirstStoredSeconds',
      'nativeStartupToFirstStoredSeconds',
      'p99FlushLatencyMs',
      'growth256vs8',
      'synth50Seconds',
      'intervalRssGrowthMb',
    ]);
    // A smoke topic drains in about a second: the steady-state condition is reported, and not met.
    expect(results.targets.find((t) => t.name === 'steadyStateDrainSeconds')).toMatchObject({ met: false });
    expect(results.machine).toEqual({
      cpuModel: expect.any(String),
      cores: expect.any(Number),
      memoryGb: expect.any(Number),
      node: process.version,
      os: expect.any(String),
      kcat: expect.any(String),
      librdkafka: expect.any(String),
      broker: expect.stringMatching(/^Apache Kafka 4\.\d+\.\d+ \(KRaft, /),
      // Throughput runs store into the faster server unless --s3 moto says otherwise.
      s3: expect.stringContaining('gofakes3'),
    });
    expect(Number.isNaN(Date.parse(results.date))).toBe(false);
    expect(results.loadAverage).toEqual({ atStart: expect.any(Array), atEnd: expect.any(Array) });
    expect(results.profile).toBe('smoke');
    expect(results.revision).toEqual(expect.any(String));
    expect(results.notes).toContain('smoke test');
  });

  test('every consumer read every preloaded event of the main topic', () => {
    const events = totalEvents(smoke.main);
    expect(results.main.kcat.events).toBe(events);
    expect(results.main.kafkajs.events).toBe(events);
    expect(results.main.exporter.events).toBe(events);
    expect(results.main.native.events).toBe(events);
    expect(results.main.exporterNative.events).toBe(events);
  });

  test('times start-up in order: process started, group joined, first object stored', () => {
    for (const startup of [results.startup.kafkajs, results.startup.native]) {
      const { processStartedSeconds, groupJoinedSeconds, firstObjectStoredSeconds } = startup;
      expect(processStartedSeconds).toBeGreaterThan(0);
      expect(groupJoinedSeconds).toBeGreaterThan(processStartedSeconds!);
      expect(firstObjectStoredSeconds).toBeGreaterThan(groupJoinedSeconds!);
    }
  });

  test('steps production up until a rate is not sustained, with lag and flush latency per step', () => {
    expect(results.sustained.map((run) => run.client)).toEqual(smoke.sustainedClients);
    for (const run of results.sustained) {
      expect(run.steps.length).toBeGreaterThan(0);
      expect(run.steps.length).toBeLessThanOrEqual(smoke.sustained.fractions.length);
      // Every step before the last was sustained; the run stops at the first one that was not.
      expect(run.steps.slice(0, -1).every((step) => step.sustained)).toBe(true);
      for (const step of run.steps) {
        expect(step.producedEventsPerSecond).toBeGreaterThan(0);
        expect(step.maxLagEvents).toBeGreaterThanOrEqual(0);
      }
      const sustained = run.steps.filter((step) => step.sustained);
      expect(run.maxSustainedEventsPerSecond).toBe(sustained.pop()?.targetEventsPerSecond ?? 0);
      expect(results.maxSustainedEventsPerSecond[run.client]).toBe(run.maxSustainedEventsPerSecond);
    }
  });

  test('measures CPU seconds per GB of every consumer of the main topic, from /proc', () => {
    // kcat reads the smoke topic within a clock tick or two (10 ms each); Node processes take longer.
    const { kcat, ...node } = results.cpuSecondsPerGb;
    expect(kcat).toBeGreaterThanOrEqual(0);
    for (const value of Object.values(node)) expect(value).toBeGreaterThanOrEqual(0);
    // Start-up costs CPU: the numbers with it are at least the steady-state ones.
    for (const consumer of Object.keys(node) as (keyof typeof node)[]) {
      expect(results.cpuSecondsPerGbIncludingStartup[consumer]).toBeGreaterThan(node[consumer]);
    }
    expect(results.main.exporterNative.client).toBe('native');
    expect(results.main.exporter.client).toBe('kafkajs');
  });

  test('every exporter run stored each event exactly once, in data objects, with a validation object', () => {
    const runs = [
      results.main.exporter,
      results.main.exporterNative,
      ...results.growth.partitions.map((p) => p.exporter),
      ...results.growth.consumers,
      ...results.growth.intervals,
    ];
    for (const run of runs) {
      const topic = results.topics.find((t) => t.topic === run.topic)!;
      expect({ label: run.label, ...run.stored }).toMatchObject({
        label: run.label,
        storedEvents: topic.events,
        distinctEvents: topic.events,
        invalidObjects: 0,
        validationObjects: run.consumers,
      });
      expect(run.stored.dataObjects).toBeGreaterThan(0);
      expect(run.processes).toHaveLength(run.consumers);
      expect(run.flushLatency.samples).toBeGreaterThan(0);
    }
  });

  test("measures the S3 side's own PUT ceiling per server, object size and concurrency", () => {
    const { plan, servers } = smoke.s3Ceiling;
    expect(results.s3Ceiling.map((c) => [c.server, c.objectBytes, c.concurrency])).toEqual(
      servers.flatMap((server) =>
        plan.objectBytes.flatMap((bytes) =>
          plan.concurrencies.map((concurrency) => [server, bytes, concurrency]),
        ),
      ),
    );
    for (const cell of results.s3Ceiling) {
      expect(cell.puts).toBe(putsPerCell(plan, cell.objectBytes, cell.concurrency));
      expect(cell.putsPerSecond).toBeGreaterThan(0);
      expect(cell.serverCpuSecondsPerGb).toBeGreaterThanOrEqual(0);
    }
    expect(stdout).toContain("S3 side's own PUT ceiling");
    expect(results.notes.some((note) => note.includes('a crash can lose data'))).toBe(true);
  });

  test('covers each growth point of the profile', () => {
    expect(results.growth.partitions.map((p) => p.partitions)).toEqual(
      smoke.partitionGrowth.map((t) => t.partitions),
    );
    expect(results.growth.consumers.map((run) => run.consumers)).toEqual(smoke.consumerCounts);
    expect(results.growth.intervals.map((run) => run.intervalSeconds)).toEqual(smoke.intervalsSeconds);
    expect(results.growth.synth.map((s) => s.exporters)).toEqual(smoke.synthExporterCounts);
    for (const s of results.growth.synth) expect(s.resources).toBeGreaterThan(0);
  });

  test('says where the CPU goes in each main drain and sustained step, with the CPU-bound ceiling', () => {
    const windows = [
      results.main.exporter.cpuShares,
      results.main.exporterNative.cpuShares,
      ...results.sustained.flatMap((run) => run.steps.map((step) => step.cpuShares)),
    ];
    for (const shares of windows) {
      expect(shares.seconds).toBeGreaterThan(0);
      // gofakes3 logs its own PUTs: the bench process is not in the data path.
      expect(shares.dataPath).toEqual(['exporter', 'broker', 's3Server']);
      const parties = [shares.exporter, shares.broker, shares.s3Server, shares.bench];
      const measuredParties = [...parties, ...(shares.producer.cpuSeconds === null ? [] : [shares.producer])];
      for (const party of [...measuredParties, shares.machine]) {
        expect(party).toEqual({
          cpuSeconds: expect.any(Number),
          cpuSecondsPerGb: expect.any(Number),
          cores: expect.any(Number),
        });
      }
      // Every party runs on this machine: their sum is within the machine's busy time (a tick per party of rounding).
      const sum = measuredParties.reduce((total, party) => total + party.cpuSeconds!, 0);
      expect(sum).toBeLessThanOrEqual(shares.machine.cpuSeconds! + 0.01 * (measuredParties.length + 1));
      expect(shares.machineCores).toBe(results.machine.cores);
      expect(shares.cpuCeilingEventsPerSecond).toBeGreaterThan(0);
      expect(shares.exporterVsCpuCeiling).toBeGreaterThan(0);
    }
    // kcat -P runs in the sustained steps only.
    expect(results.main.exporter.cpuShares.producer.cpuSeconds).toBeNull();
    for (const run of results.sustained) {
      for (const step of run.steps) expect(step.cpuShares.producer.cpuSeconds).toEqual(expect.any(Number));
    }
    expect(results.exporterVsCpuCeiling).toBe(results.main.exporter.cpuShares.exporterVsCpuCeiling);
    expect(results.nativeExporterVsCpuCeiling).toBe(
      results.main.exporterNative.cpuShares.exporterVsCpuCeiling,
    );
    expect(stdout).toContain('Where the CPU goes');
  });

  test('stores every event the sustained producer wrote exactly once, read back and deleted step by step', () => {
    for (const run of results.sustained) {
      expect(run.producedEvents).toBeGreaterThan(0);
      expect({ stored: run.storedEvents, distinct: run.distinctEvents }).toEqual({
        stored: run.producedEvents,
        distinct: run.producedEvents,
      });
      const readBack = run.steps.reduce((total, step) => total + step.storedEvents, 0);
      expect(readBack).toBeLessThanOrEqual(run.storedEvents);
    }
  });

  test("the bench's own kafkajs clients print no TimeoutNegativeWarning", () => {
    expect(stderr).not.toContain('TimeoutNegativeWarning');
  });

  test('prints the table with ratios against kcat', () => {
    expect(stdout).toContain('kcat -C -e (limit)');
    expect(stdout).toContain('Maximum sustained rate');
    expect(stdout).toMatch(/exporter kafkajs \(stored\+committed\)\s+[\d,]+\s+[\d.]+\s+[\d.]+x/);
  });
});
