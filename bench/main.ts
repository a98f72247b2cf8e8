/**
 * `npm run bench`: the exporter's steady-state rate against kcat, the bare clients and a peer (Kafka Connect
 * with Camel's S3 sink) on the same data of a real Apache Kafka broker, its start-up, the highest production
 * rate it sustains, its CPU per GB and memory, how they grow with partitions, consumers, the interval and the
 * number of exporters in a stack, and the S3 side's own PUT ceiling. Everything runs in one process tree on
 * one broker and one S3 side (gofakes3 by default), on data preloaded once.
 *
 *   node dist/bench/main.js [--profile full|quick|smoke] [--out DIR] [--raw DIR] [--skip-synth]
 *                           [--s3 gofakes3|moto] [--cpu-prof] [--note TEXT ...]
 *                           [--only main|peer|sustained|partitions|consumers|intervals|s3|synth ...]
 *
 * The run is a list of steps (BENCH_STEPS) over one context; the S3 side comes from bench/s3-side.ts.
 * Prints a table, writes DIR/results.json and DIR/throughput-rss.svg (DIR defaults to bench/), and keeps
 * each exporter process's log and /metrics snapshot under bench/raw/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { LocalKafka, startKafka } from '../local';
import { projectRoot } from '../local/project-root';
import { installQuietRequestQueue } from '../runtime/kafka/kafkajs-request-queue';
import { BareKafkajsMeasurement, measureBareKafkajs } from './bare-kafkajs';
import { renderChart } from './chart';
import { EXPORTER_COMMAND, ExporterEnvironment, ExporterMeasurement, runExporter } from './exporter-run';
import { KcatMeasurement, measureKcat } from './kcat-consume';
import { machineInfo } from './machine';
import { KafkaConnectPeerMeasurement, runKafkaConnectPeer } from './peer-kafka-connect';
import { PreloadedTopic, preloadTopic } from './preload';
import { BenchProfile, PROFILES, ProfileName, TopicPlan, totalEvents } from './profiles';
import { startPutRecorder } from './put-recorder';
import { BenchMeasurements, BenchResults, PartitionGrowthPoint, summarize } from './results';
import { runS3Ceiling, S3CeilingCell } from './s3-ceiling';
import { DEFAULT_S3_SIDE, S3Side, credentialsJson, s3SideFactory } from './s3-side';
import { SustainedMeasurement, measureSustained } from './sustained';
import { SynthMeasurement, measureSynth } from './synth';
import { formatReport } from './table';
import { round } from './throughput';

/** Per partition: at most 128 MiB kept plus a 32 MiB active segment (64 partitions: ~10 GB per topic). */
const SUSTAINED_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'retention.bytes': String(128 * 1024 * 1024),
  'segment.bytes': String(32 * 1024 * 1024),
};

export interface BenchOptions {
  readonly profile: BenchProfile;
  /** Where results.json and the chart are written. */
  readonly outDir: string;
  /** Where logs, metrics snapshots and CPU profiles go. */
  readonly rawDir: string;
  readonly skipSynth: boolean;
  /** Run only these parts (the main comparison always runs); all when empty. */
  readonly only: readonly BenchPart[];
  /** Profile the main exporter runs with `node --cpu-prof`. */
  readonly cpuProfile: boolean;
  /** The S3 side's name (bench/s3-side.ts). @default gofakes3 */
  readonly s3: string;
  readonly notes: readonly string[];
  readonly command: string;
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void;
}

const BUCKET = 'bench-exports';

/** The parts of a run, for `--only`; the main comparison always runs (`--only main`: nothing else). */
export const BENCH_PARTS = [
  'main',
  'peer',
  'sustained',
  'partitions',
  'consumers',
  'intervals',
  's3',
  'synth',
] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

type Client = 'kafkajs' | 'native';

/** What every step gets: the services, the preloaded topics, the measuring helpers and what earlier steps measured. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly profile: BenchProfile;
  readonly kafka: LocalKafka;
  readonly s3: S3Side;
  readonly env: ExporterEnvironment;
  readonly topics: ReadonlyMap<string, PreloadedTopic>;
  readonly log: (line: string) => void;
  exporter(
    topic: PreloadedTopic,
    consumers: number,
    intervalSeconds: number,
    client?: Client,
    cpuProfileDir?: string,
  ): Promise<ExporterMeasurement>;
  kcat(topic: PreloadedTopic): Promise<KcatMeasurement>;
  bare(topic: PreloadedTopic, client?: Client): Promise<BareKafkajsMeasurement>;
  /** Filled step by step; `main` is there once the main step ran. */
  readonly measured: {
    main?: BenchMeasurements['main'];
    /** Null when the step was not run or could not run (the reason is in the notes). */
    peer: KafkaConnectPeerMeasurement | null;
    sustained: SustainedMeasurement[];
    partitions: PartitionGrowthPoint[];
    consumers: ExporterMeasurement[];
    intervals: ExporterMeasurement[];
    synth: SynthMeasurement[];
    s3Ceiling: S3CeilingCell[];
  };
  /** Step notes for results.json (e.g. why a step did not run). */
  readonly notes: string[];
}

/** One step of a run. A new comparison (e.g. a peer consuming the same topic) is one more entry in BENCH_STEPS. */
export interface BenchStep {
  readonly part: BenchPart;
  run(context: BenchContext): Promise<void>;
}

const mainOf = (context: BenchContext) => {
  if (!context.measured.main) throw new Error('the main step must run before this step');
  return context.measured.main;
};

export const BENCH_STEPS: readonly BenchStep[] = [
  {
    // The steady state: every consumer drains the same backlog, one at a time.
    part: 'main',
    run: async (context) => {
      const topic = context.topics.get(context.profile.main.name)!;
      const interval = context.profile.throughputIntervalSeconds;
      const profileDir = context.options.cpuProfile
        ? path.join(context.options.rawDir, 'cpu-profiles')
        : undefined;
      if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
      context.measured.main = {
        kcat: await context.kcat(topic),
        kafkajs: await context.bare(topic),
        exporter: await context.exporter(topic, 1, interval, 'kafkajs', profileDir),
        native: await context.bare(topic, 'native'),
        exporterNative: await context.exporter(topic, 1, interval, 'native', profileDir),
      };
    },
  },
  {
    // The peer on the same data into the same S3 server: Kafka Connect 4.4 with Camel's S3 sink.
    part: 'peer',
    run: async (context) => {
      const plan = context.profile.peer;
      if (!plan) return;
      const { s3 } = context;
      if (!s3.virtualHostEndpoint) {
        const reason = `peer not run: Camel 3's S3 component sends only virtual-hosted-style requests, which the ${s3.name} side does not serve; run with --s3 gofakes3`;
        context.log(reason);
        context.notes.push(reason);
        return;
      }
      const topic = context.topics.get(plan.name)!;
      const peer = await runKafkaConnectPeer({
        brokers: context.kafka.brokers,
        topic: topic.topic,
        events: topic.events,
        valueBytes: topic.valueBytes,
        s3: {
          virtualHostEndpoint: s3.virtualHostEndpoint,
          endpoint: s3.endpoint,
          bucket: BUCKET,
          credentials: s3.writer,
        },
        workDir: fs.mkdtempSync(path.join(context.options.rawDir, 'peer-kafka-connect-')),
        timeoutMs: 300_000,
      });
      context.log(
        `peer kafka-connect ${peer.version} ${topic.topic}: ${peer.eventsPerSecond} events/s over ${peer.seconds} s, ` +
          `${peer.mbPerSecond} MB/s, ${peer.cpuSecondsPerGb} CPU s/GB, peak RSS ${peer.peakRssMb} MiB ` +
          `(${peer.secondsFromStart} s from the JVM's start)`,
      );
      context.measured.peer = peer;
    },
  },
  {
    // Rising production rates, as fractions of the slower client's steady-state rate.
    part: 'sustained',
    run: async (context) => {
      const main = mainOf(context);
      const { sustained: plan, sustainedClients } = context.profile;
      const steadyState = { kafkajs: main.exporter, native: main.exporterNative };
      const basedOn = Math.min(...sustainedClients.map((client) => steadyState[client].eventsPerSecond));
      for (const client of sustainedClients) {
        const topic = `bench-sustained-${client}`;
        // Production runs for minutes at hundreds of MB/s: retention keeps the topic's disk bounded (a full run
        // filled the disk otherwise) while holding far more than two intervals of lag per partition.
        await context.kafka.createTopics([
          { name: topic, partitions: plan.partitions, config: SUSTAINED_TOPIC_CONFIG },
        ]);
        context.measured.sustained.push(
          await measureSustained(context.env, context.kafka.bootstrap, {
            label: `sustained-${client}`,
            topic,
            plan,
            client,
            basedOnEventsPerSecond: basedOn,
            maxObjectBytes: context.profile.maxObjectBytes,
            log: context.log,
          }),
        );
      }
    },
  },
  {
    part: 'partitions',
    run: async (context) => {
      const main = mainOf(context);
      for (const plan of context.profile.partitionGrowth) {
        const topic = context.topics.get(plan.name)!;
        context.measured.partitions.push(
          plan === context.profile.main
            ? { partitions: plan.partitions, kcat: main.kcat, kafkajs: main.kafkajs, exporter: main.exporter }
            : {
                partitions: plan.partitions,
                kcat: await context.kcat(topic),
                kafkajs: await context.bare(topic),
                exporter: await context.exporter(topic, 1, context.profile.throughputIntervalSeconds),
              },
        );
      }
    },
  },
  {
    part: 'consumers',
    run: async (context) => {
      const topic = context.topics.get(context.profile.sweep.name)!;
      const interval = context.profile.throughputIntervalSeconds;
      for (const count of context.profile.consumerCounts) {
        context.measured.consumers.push(
          (count === 1 && reused(context, topic, interval)) ||
            (await context.exporter(topic, count, interval)),
        );
      }
    },
  },
  {
    part: 'intervals',
    run: async (context) => {
      const topic = context.topics.get(context.profile.sweep.name)!;
      for (const seconds of context.profile.intervalsSeconds) {
        context.measured.intervals.push(
          reused(context, topic, seconds) || (await context.exporter(topic, 1, seconds)),
        );
      }
    },
  },
  {
    // The S3 servers' own PUT ceiling through the runtime's store, each started alone beside the idle S3 side.
    part: 's3',
    run: async (context) => {
      const { plan, servers } = context.profile.s3Ceiling;
      const started = performance.now();
      context.measured.s3Ceiling = await runS3Ceiling(plan, servers);
      for (const cell of context.measured.s3Ceiling) {
        context.log(
          `s3 ceiling ${cell.server} ${cell.objectBytes} B x${cell.concurrency}: ${cell.putsPerSecond} puts/s, ` +
            `${cell.mbPerSecond} MB/s, server ${cell.serverCpuSecondsPerGb} CPU s/GB`,
        );
      }
      context.log(`s3 ceiling: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  },
  {
    part: 'synth',
    run: async (context) => {
      if (context.options.skipSynth) return;
      for (const count of context.profile.synthExporterCounts) {
        const result = await measureSynth(count);
        context.log(`synth ${count} exporters: ${result.seconds} s (${result.resources} resources)`);
        context.measured.synth.push(result);
      }
    },
  },
];

/** A one-process kafkajs run on `topic` at `intervalSeconds` that an earlier step already measured. */
function reused(
  context: BenchContext,
  topic: PreloadedTopic,
  intervalSeconds: number,
): ExporterMeasurement | undefined {
  const earlier = [
    context.measured.main?.exporter,
    ...context.measured.partitions.map((p) => p.exporter),
    ...context.measured.consumers,
    ...context.measured.intervals,
  ];
  return earlier.find(
    (run) =>
      run !== undefined &&
      run.topic === topic.topic &&
      run.consumers === 1 &&
      run.client === 'kafkajs' &&
      run.intervalSeconds === intervalSeconds,
  );
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  // The bench's own kafkajs clients (topic creation, group progress, the peer's admin) get the runtime's
  // fix too: unpatched, every connection re-checks an empty queue each millisecond and Node 24+ prints a
  // TimeoutNegativeWarning for it.
  installQuietRequestQueue();
  const started = performance.now();
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (line: string) =>
    write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const root = projectRoot();
  const entry = path.join(root, EXPORTER_COMMAND[0]);
  if (!fs.existsSync(entry)) throw new Error(`${entry} does not exist: build first with npm run build`);
  fs.mkdirSync(options.rawDir, { recursive: true });
  fs.mkdirSync(options.outDir, { recursive: true });
  const { profile } = options;
  const runs = (part: BenchPart) =>
    part === 'main' || options.only.length === 0 || options.only.includes(part);
  const steps = BENCH_STEPS.filter((step) => runs(step.part));
  const date = new Date().toISOString();
  const loadAtStart = os.loadavg();

  const wanted = [profile.main];
  if (runs('peer') && profile.peer) wanted.push(profile.peer);
  if (runs('partitions')) wanted.push(...profile.partitionGrowth);
  if (runs('consumers') || runs('intervals')) wanted.push(profile.sweep);
  const plans = [...new Map(wanted.map((plan) => [plan.name, plan])).values()];
  log(
    `starting Apache Kafka (${plans.map((p) => `${p.name}:${p.partitions}`).join(' ')}) and the S3 side (${options.s3})`,
  );
  const [kafkaStart, s3Start] = await Promise.allSettled([
    startKafka({
      topics: plans.map((p) => ({ name: p.name, partitions: p.partitions })),
      // Deletes the sustained topics' old segments within seconds (SUSTAINED_TOPIC_CONFIG).
      brokerConfig: { 'log.retention.check.interval.ms': '5000' },
    }),
    s3SideFactory(options.s3)(BUCKET),
  ]);
  if (kafkaStart.status === 'rejected' || s3Start.status === 'rejected') {
    await Promise.allSettled([
      kafkaStart.status === 'fulfilled' ? kafkaStart.value.stop() : undefined,
      s3Start.status === 'fulfilled' ? s3Start.value.stop() : undefined,
    ]);
    throw kafkaStart.status === 'rejected' ? kafkaStart.reason : (s3Start as PromiseRejectedResult).reason;
  }
  const kafka = kafkaStart.value;
  const s3 = s3Start.value;
  // The side's own record when it keeps one (gofakes3: nothing between the exporters and the server), else
  // the pass-through recorder in front of it (moto).
  const recorder = s3.recorder ?? (await startPutRecorder(s3.endpoint, BUCKET));
  try {
    const env: ExporterEnvironment = {
      projectRoot: root,
      brokers: kafka.brokers,
      s3: s3.s3,
      recorder,
      cpuPids: { brokerPid: kafka.pid(), s3ServerPid: s3.pid, benchInDataPath: s3.recorder === undefined },
      bucket: BUCKET,
      credentialsJson: credentialsJson(s3),
      rawDir: options.rawDir,
      timeoutSeconds: 0,
    };
    const topics = await preloadAll(kafka, plans, options.rawDir, log);

    let runCounter = 0;
    const context: BenchContext = {
      options,
      profile,
      kafka,
      s3,
      env,
      topics,
      log,
      measured: {
        peer: null,
        sustained: [],
        partitions: [],
        consumers: [],
        intervals: [],
        synth: [],
        s3Ceiling: [],
      },
      notes: [],
      exporter: async (topic, consumers, intervalSeconds, client = 'kafkajs', cpuProfileDir) => {
        const label = `${String(++runCounter).padStart(2, '0')}-p${topic.partitions}-c${consumers}-i${intervalSeconds}${client === 'native' ? '-native' : ''}`;
        // Generous: start-up, the data at a slow 5k events/s, and two intervals for the last flush.
        const timeoutSeconds = 60 + topic.events / 5_000 + 2 * intervalSeconds;
        const run = await runExporter(
          { ...env, timeoutSeconds },
          {
            label,
            topic,
            consumers,
            intervalSeconds,
            maxObjectBytes: profile.maxObjectBytes,
            cpuProfileDir,
            client,
          },
        );
        if (run.stored.storedEvents !== topic.events || run.stored.distinctEvents !== topic.events) {
          throw new Error(
            `run ${label}: ${run.stored.storedEvents} events stored (${run.stored.distinctEvents} distinct), ` +
              `expected ${topic.events} each; see ${options.rawDir}`,
          );
        }
        fs.writeFileSync(path.join(options.rawDir, `${label}.json`), `${JSON.stringify(run, null, 2)}\n`);
        log(
          `exporter ${label}: ${run.eventsPerSecond} events/s over ${run.seconds} s, ${run.megabytesPerSecond} MB/s, ` +
            `${run.cpuSecondsPerGb} CPU s/GB, peak RSS ${run.peakRssMb} MiB, p99 ${run.flushLatency.p99Ms} ms, ` +
            `joined ${run.startup.groupJoinedSeconds} s, first stored ${run.startup.firstObjectStoredSeconds} s`,
        );
        return run;
      },
      kcat: async (topic) => {
        const result = await measureKcat(kafka.bootstrap, topic);
        log(
          `kcat ${topic.topic}: ${result.eventsPerSecond} events/s, ${result.megabytesPerSecond} MB/s, ` +
            `${result.cpuSecondsPerGb} CPU s/GB`,
        );
        return result;
      },
      bare: async (topic, client = 'kafkajs') => {
        const result = await measureBareKafkajs(
          kafka.bootstrap,
          topic,
          `bench-bare-${client}-${topic.topic}-${Date.now()}`,
          client,
        );
        log(
          `bare ${client} ${topic.topic}: ${result.eventsPerSecond} events/s, ${result.megabytesPerSecond} MB/s, ` +
            `${result.cpuSecondsPerGb} CPU s/GB, peak RSS ${result.peakRssMb} MiB`,
        );
        return result;
      },
    };
    for (const step of steps) await step.run(context);

    const { measured } = context;
    const measurements: BenchMeasurements = {
      topics: [...topics.values()],
      main: mainOf(context),
      peer: measured.peer,
      s3Ceiling: measured.s3Ceiling,
      sustained: measured.sustained,
      growth: {
        partitions: measured.partitions,
        consumers: measured.consumers,
        intervals: measured.intervals,
        synth: measured.synth,
      },
    };
    const interval = profile.throughputIntervalSeconds;
    const results = summarize(measurements, {
      date,
      command: options.command,
      revision: revision(root),
      profile: profile.name,
      durationSeconds: round((performance.now() - started) / 1000, 1),
      machine: machineInfo({
        broker: `Apache Kafka ${kafka.version} (${kafka.kraft ? 'KRaft' : 'ZooKeeper'}, ${kafka.managed ? 'started by the bench' : 'external, KAFKA_BOOTSTRAP'})`,
        s3: s3.description,
      }),
      loadAverage: {
        atStart: loadAtStart.map((l) => round(l, 2)),
        atEnd: os.loadavg().map((l) => round(l, 2)),
      },
      notes: [
        `steady state: each consumer drains the same preloaded backlog; the exporter is timed from its first assignment ('assignment ready' in its log) until the group's committed offsets equal every partition's high watermark, kcat from spawn to exit, the bare clients from the group join to the last record; CPU seconds from /proc (exporter) or process.cpuUsage (bare clients) over the same span; throughput runs use a ${interval} s interval`,
        `maximum sustained rate: one exporter on an empty ${profile.sustained.partitions}-partition topic while kcat -P produces at ${profile.sustained.fractions.join(', ')} x the slower client's steady-state rate (stopping at the first rate not sustained), ${profile.sustained.holdSeconds} s each, interval ${profile.sustained.intervalSeconds} s; sustained while the group's lag stays below two intervals of production`,
        `interval end -> stored: per interval, the time from its end until its last data object was answered 200, ${s3.recorder ? `as the S3 side (${s3.name}) logged its answers itself (nothing between the exporters and the server)` : `as a pass-through HTTP recorder in the bench process, in front of the S3 side (${s3.name}), saw them (in the exporters' data path)`}`,
        `where the CPU goes (cpuShares of each exporter run and sustained step): CPU seconds (user + system, /proc/<pid>/stat, children excluded) of the exporter processes, the broker JVM, the S3 server and the bench process, and the machine's busy CPU (/proc/stat), per GB and as cores, over the window from the exporter ready to its last commit (sustained: the hold); cpuCeilingEventsPerSecond = the machine's cores / the summed CPU s/GB of the data path (exporter, broker, S3 server${s3.recorder ? '' : ', and the bench process relaying the PUTs'}), exporterVsCpuCeiling = the exporter's events/s / that ceiling`,
        `one broker (${kafka.version}) and the S3 side run on the same machine as the consumers; kcat and the bare clients print/drop records without storing them`,
        `peer: Kafka Connect standalone with Camel's S3 sink (bench/peer-kafka-connect.ts) on ${profile.peer ? `${profile.peer.name} (${totalEvents(profile.peer)} events)` : 'no topic in this profile'}, timed from its task's assignment until its group committed every high watermark and the bucket holds every record; exporterVsPeer divides each exporter's steady-state events/s by its events/s. Its delivery guarantee is weaker than the exporter's: the worker commits offsets of records that Camel's aggregator may still hold, so a crash can lose data (no at-least-once), and its objects have no trailing newline`,
        `s3 ceiling: PutObject (If-None-Match: *) through the runtime's S3 store on ${profile.s3Ceiling.servers.join(' and ')}, each started alone after the consumers ran, objects of ${profile.s3Ceiling.plan.objectBytes.join(', ')} B at concurrency ${profile.s3Ceiling.plan.concurrencies.join(', ')}; server CPU from /proc`,
        ...context.notes,
        ...options.notes,
      ],
    });
    // Formatted as the repository's Prettier check expects, so a committed results.json passes `npm test`.
    const resultsFile = path.join(options.outDir, 'results.json');
    const prettierConfig = await prettier.resolveConfig(resultsFile);
    const json = await prettier.format(JSON.stringify(results, null, 2), {
      ...prettierConfig,
      filepath: resultsFile,
    });
    fs.writeFileSync(resultsFile, json);
    fs.writeFileSync(path.join(options.outDir, 'throughput-rss.svg'), await renderChart(results));
    return results;
  } finally {
    await recorder.stop();
    await Promise.allSettled([kafka.stop(), s3.stop()]);
  }
}

async function preloadAll(
  kafka: LocalKafka,
  plans: readonly TopicPlan[],
  rawDir: string,
  log: (line: string) => void,
): Promise<Map<string, PreloadedTopic>> {
  const preloadDir = fs.mkdtempSync(path.join(rawDir, 'preload-'));
  const topics = new Map<string, PreloadedTopic>();
  try {
    for (const plan of plans) {
      // Event ids only need to be unique within a run (each run has a new broker): keep them short, so
      // events stay the seed's size.
      const topic = await preloadTopic(kafka.bootstrap, plan, preloadDir, 'e');
      topics.set(plan.name, topic);
      log(
        `preloaded ${plan.name}: ${topic.events} events, ${(topic.valueBytes / 1e6).toFixed(1)} MB in ${topic.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    fs.rmSync(preloadDir, { recursive: true, force: true });
  }
  return topics;
}

function revision(root: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      profile: { type: 'string', default: 'full' },
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      raw: { type: 'string' },
      'skip-synth': { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      'cpu-prof': { type: 'boolean', default: false },
      s3: { type: 'string', default: DEFAULT_S3_SIDE },
      note: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--profile full|quick|smoke | --quick | --smoke] [--out DIR] [--raw DIR]\n' +
        `                        [--only ${BENCH_PARTS.join('|')}]... [--skip-synth] [--cpu-prof] [--s3 NAME] [--note TEXT]...\n`,
    );
    process.exit(0);
  }
  const name = (values.smoke ? 'smoke' : values.quick ? 'quick' : values.profile) as ProfileName;
  if (!(name in PROFILES)) {
    throw new Error(`--profile ${name} is not a profile: use one of ${Object.keys(PROFILES).join(', ')}`);
  }
  const unknownParts = values.only.filter((part) => !(BENCH_PARTS as readonly string[]).includes(part));
  if (unknownParts.length > 0) {
    throw new Error(
      `--only ${unknownParts.join(', ')}: not a part; use ${BENCH_PARTS.join(', ')} (the main comparison always runs)`,
    );
  }
  s3SideFactory(values.s3);
  const root = projectRoot();
  const invokedBy = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node dist/bench/main.js';
  return {
    profile: PROFILES[name],
    outDir: path.resolve(values.out ?? path.join(root, 'bench')),
    rawDir: path.resolve(values.raw ?? path.join(root, 'bench', 'raw')),
    skipSynth: values['skip-synth'],
    only: values.only as BenchPart[],
    cpuProfile: values['cpu-prof'],
    s3: values.s3,
    notes: values.note,
    command: [invokedBy, ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  };
}

if (require.main === module) {
  const run = async () => {
    const options = parseOptions(process.argv.slice(2));
    const results = await runBench(options);
    process.stdout.write(`${formatReport(results)}\n`);
    process.stdout.write(`\nwrote ${path.join(options.outDir, 'results.json')} and throughput-rss.svg\n`);
  };
  run().catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
