/**
 * `npm run bench`: the exporter against the broker's raw consume rate, its memory and latency, and how they
 * grow with partitions, consumers, the interval and the number of exporters in a stack. Everything runs in
 * one process tree on one broker and one moto_server, on data preloaded once.
 *
 *   node dist/bench/main.js [--profile full|quick|smoke] [--out DIR] [--raw DIR] [--skip-synth]
 *                           [--only main|partitions|consumers|intervals|synth ...] [--cpu-prof] [--note TEXT ...]
 *
 * Prints a table, writes DIR/results.json and DIR/throughput-rss.svg (DIR defaults to bench/), and keeps
 * each exporter process's log and /metrics snapshot under bench/raw/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import * as prettier from 'prettier';
import { startKafka, startMoto } from '../local';
import { projectRoot } from '../local/project-root';
import { measureBareKafkajs } from './bare-kafkajs';
import { renderChart } from './chart';
import { EXPORTER_COMMAND, ExporterEnvironment, ExporterMeasurement, runExporter } from './exporter-run';
import { measureKcat } from './kcat-consume';
import { machineInfo } from './machine';
import { PreloadedTopic, preloadTopic } from './preload';
import { BenchProfile, PROFILES, ProfileName, TopicPlan } from './profiles';
import { startPutRecorder } from './put-recorder';
import { BenchMeasurements, BenchResults, PartitionGrowthPoint, summarize } from './results';
import { SynthMeasurement, measureSynth } from './synth';
import { formatReport } from './table';
import { round } from './throughput';

export interface BenchOptions {
  readonly profile: BenchProfile;
  /** Where results.json and the chart are written. */
  readonly outDir: string;
  /** Where logs, metrics snapshots and CPU profiles go. */
  readonly rawDir: string;
  readonly skipSynth: boolean;
  /** Run only these parts (the main comparison always runs); all when empty. */
  readonly only: readonly BenchPart[];
  /** Profile the main exporter run with `node --cpu-prof`. */
  readonly cpuProfile: boolean;
  readonly notes: readonly string[];
  readonly command: string;
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void;
}

const BUCKET = 'bench-exports';

/** The parts of a run, for `--only`; the main comparison always runs (`--only main`: nothing else). */
export const BENCH_PARTS = ['main', 'partitions', 'consumers', 'intervals', 'synth'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = performance.now();
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (line: string) =>
    write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const root = projectRoot();
  const entry = path.join(root, EXPORTER_COMMAND[0]);
  if (!fs.existsSync(entry)) throw new Error(`${entry} does not exist: build first with npx tsc -p .`);
  fs.mkdirSync(options.rawDir, { recursive: true });
  fs.mkdirSync(options.outDir, { recursive: true });
  const { profile } = options;
  const runs = (part: BenchPart) => options.only.length === 0 || options.only.includes(part);
  const partitionGrowth = runs('partitions') ? profile.partitionGrowth : [];
  const date = new Date().toISOString();
  const loadAtStart = os.loadavg();

  const plans: TopicPlan[] = [profile.main, ...partitionGrowth.filter((plan) => plan !== profile.main)];
  log(
    `starting the local broker (${plans.map((p) => `${p.name}:${p.partitions}`).join(' ')}) and moto_server`,
  );
  const [kafka, aws] = await Promise.all([
    startKafka({ topics: plans.map((p) => ({ name: p.name, partitions: p.partitions })) }),
    startMoto({ enforceIam: false }),
  ]);
  const recorder = await startPutRecorder(aws.endpoint, BUCKET);
  try {
    const s3 = aws.s3();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const writer = await aws.createUserWithPolicy('bench-writer', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${BUCKET}` },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*.jsonl` },
      ],
    });
    const credentialsJson = JSON.stringify({
      AccessKey: {
        UserName: 'bench-writer',
        AccessKeyId: writer.accessKeyId,
        Status: 'Active',
        SecretAccessKey: writer.secretAccessKey,
        CreateDate: new Date().toISOString(),
      },
    });
    const env: ExporterEnvironment = {
      projectRoot: root,
      brokers: kafka.brokers,
      s3,
      recorder,
      bucket: BUCKET,
      credentialsJson,
      rawDir: options.rawDir,
      timeoutSeconds: 0,
    };

    const preloadDir = fs.mkdtempSync(path.join(options.rawDir, 'preload-'));
    const topics = new Map<string, PreloadedTopic>();
    for (const plan of plans) {
      // Event ids only need to be unique within a run (each run has a new broker): keep them short, so
      // events stay the seed's size.
      const topic = await preloadTopic(kafka.bootstrap, plan, preloadDir, 'e');
      topics.set(plan.name, topic);
      log(
        `preloaded ${plan.name}: ${topic.events} events, ${(topic.valueBytes / 1e6).toFixed(1)} MB in ${topic.seconds.toFixed(1)} s`,
      );
    }
    fs.rmSync(preloadDir, { recursive: true, force: true });

    let runCounter = 0;
    const exporter = async (
      topic: PreloadedTopic,
      consumers: number,
      intervalSeconds: number,
      cpuProfileDir?: string,
      client: 'kafkajs' | 'native' = 'kafkajs',
    ): Promise<ExporterMeasurement> => {
      const label = `${String(++runCounter).padStart(2, '0')}-p${topic.partitions}-c${consumers}-i${intervalSeconds}${client === 'native' ? '-native' : ''}`;
      // Generous: start-up, the data at a slow 2k events/s, and two intervals for the last flush.
      const timeoutSeconds = 60 + topic.events / 2_000 + 2 * intervalSeconds;
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
        `exporter ${label}: ${run.eventsPerSecond} events/s, ${run.megabytesPerSecond} MB/s, ${run.cpuSecondsPerGb} CPU s/GB, ` +
          `peak RSS ${run.peakRssMb} MiB, p99 ${run.flushLatency.p99Ms} ms`,
      );
      return run;
    };
    const kcat = async (topic: PreloadedTopic) => {
      const result = await measureKcat(kafka.bootstrap, topic);
      log(`kcat ${topic.topic}: ${result.eventsPerSecond} events/s, ${result.megabytesPerSecond} MB/s`);
      return result;
    };
    const bare = async (topic: PreloadedTopic, client: 'kafkajs' | 'native' = 'kafkajs') => {
      const result = await measureBareKafkajs(
        kafka.bootstrap,
        topic,
        `bench-bare-${client}-${topic.topic}-${Date.now()}`,
        client,
      );
      log(
        `bare ${client} ${topic.topic}: ${result.eventsPerSecond} events/s, ${result.megabytesPerSecond} MB/s, ` +
          `${result.cpuSecondsPerGb} CPU s/GB`,
      );
      return result;
    };

    const mainTopic = topics.get(profile.main.name)!;
    const interval = profile.throughputIntervalSeconds;
    const profileDir = options.cpuProfile ? path.join(options.rawDir, 'cpu-profiles') : undefined;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const main = {
      kcat: await kcat(mainTopic),
      kafkajs: await bare(mainTopic),
      exporter: await exporter(mainTopic, 1, interval, profileDir),
      native: await bare(mainTopic, 'native'),
      exporterNative: await exporter(mainTopic, 1, interval, profileDir, 'native'),
    };

    const partitions: PartitionGrowthPoint[] = [];
    for (const plan of partitionGrowth) {
      const topic = topics.get(plan.name)!;
      partitions.push(
        plan === profile.main
          ? { partitions: plan.partitions, kcat: main.kcat, kafkajs: main.kafkajs, exporter: main.exporter }
          : {
              partitions: plan.partitions,
              kcat: await kcat(topic),
              kafkajs: await bare(topic),
              exporter: await exporter(topic, 1, interval),
            },
      );
    }
    const consumers: ExporterMeasurement[] = [];
    for (const count of runs('consumers') ? profile.consumerCounts : []) {
      consumers.push(count === 1 ? main.exporter : await exporter(mainTopic, count, interval));
    }
    const intervals: ExporterMeasurement[] = [];
    for (const seconds of runs('intervals') ? profile.intervalsSeconds : []) {
      intervals.push(seconds === interval ? main.exporter : await exporter(mainTopic, 1, seconds));
    }
    const synth: SynthMeasurement[] = [];
    if (!options.skipSynth && runs('synth')) {
      for (const count of profile.synthExporterCounts) {
        const result = await measureSynth(count);
        log(`synth ${count} exporters: ${result.seconds} s (${result.resources} resources)`);
        synth.push(result);
      }
    }

    const measurements: BenchMeasurements = {
      topics: [...topics.values()],
      main,
      growth: { partitions, consumers, intervals, synth },
    };
    const results = summarize(measurements, {
      date,
      command: options.command,
      revision: revision(root),
      profile: profile.name,
      durationSeconds: round((performance.now() - started) / 1000, 1),
      machine: machineInfo(),
      loadAverage: {
        atStart: loadAtStart.map((l) => round(l, 2)),
        atEnd: os.loadavg().map((l) => round(l, 2)),
      },
      notes: [
        `exporter throughput is measured from the first process answering /healthz (validation object written, group joined) until the group's committed offsets equal every partition's high watermark; throughput runs use a ${interval} s interval`,
        'interval end -> stored is measured by a pass-through HTTP recorder in front of moto_server: per interval, the time from its end until its last data object was answered 200',
        `one Apache Kafka ${kafka.version} broker (KRaft, ${kafka.managed ? 'started by the bench' : 'external'}) and moto_server run on the same machine as the consumers; kcat and the bare kafkajs consumer print/drop records without storing them`,
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
    await Promise.allSettled([kafka.stop(), aws.stop()]);
  }
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
      note: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--profile full|quick|smoke | --quick | --smoke] [--out DIR] [--raw DIR]\n' +
        `                        [--only ${BENCH_PARTS.join('|')}]... [--skip-synth] [--cpu-prof] [--note TEXT]...\n`,
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
  const root = projectRoot();
  const invokedBy = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node dist/bench/main.js';
  return {
    profile: PROFILES[name],
    outDir: path.resolve(values.out ?? path.join(root, 'bench')),
    rawDir: path.resolve(values.raw ?? path.join(root, 'bench', 'raw')),
    skipSynth: values['skip-synth'],
    only: values.only as BenchPart[],
    cpuProfile: values['cpu-prof'],
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
