/**
 * The limit: kcat (librdkafka) reading a whole topic from the beginning and exiting at its end (`-C -e`),
 * printing a few bytes per record so that counting costs nothing and nothing but the consume is measured.
 *
 * Timed from spawn to exit: with `fetch.wait.max.ms` short, kcat's start-up and end detection take tens of
 * milliseconds, and timing only its output would leave out the first fetch (librdkafka prefetches up to
 * tens of MB before the first record is printed), flattering the limit.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { childrenCpuSeconds, perGigabyte } from './proc-status';
import { PreloadedTopic } from './preload';
import { Throughput, round, throughput } from './throughput';

export interface KcatMeasurement extends Throughput {
  readonly tool: 'kcat';
  /** Seconds of every read; the median is reported. */
  readonly attemptsSeconds: readonly number[];
  /** kcat's CPU seconds (user + system, from /proc) of the median read, and per GB of values. */
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGb: number;
}

/** The median of `attempts` full reads: a read of a small topic takes a fraction of a second and varies. */
export async function measureKcat(
  brokers: string,
  topic: PreloadedTopic,
  attempts = 3,
): Promise<KcatMeasurement> {
  const reads: Array<{ seconds: number; cpuSeconds: number }> = [];
  for (let i = 0; i < attempts; i++) reads.push(await readTopic(brokers, topic));
  const median = [...reads].sort((a, b) => a.seconds - b.seconds)[Math.floor(reads.length / 2)];
  return {
    tool: 'kcat',
    ...throughput(topic, topic.events, median.seconds),
    attemptsSeconds: reads.map((r) => round(r.seconds, 3)),
    cpuSeconds: round(median.cpuSeconds, 2),
    cpuSecondsPerGb: perGigabyte(median.cpuSeconds, topic.valueBytes),
  };
}

/** Bytes kcat prints per record (`-f`). */
const RECORD_MARK = '.';

async function readTopic(
  brokers: string,
  topic: PreloadedTopic,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const started = performance.now();
  let records = 0;
  let stderr = '';
  const args = [
    '-C',
    '-b',
    brokers,
    '-t',
    topic.topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    // A partition's end is only seen when a fetch comes back empty: don't let the broker hold it 500 ms.
    '-X',
    'fetch.wait.max.ms=10',
    '-f',
    RECORD_MARK,
  ];
  let stat = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    // A shell waits for kcat and then prints its own /proc stat, whose children's times are kcat's CPU.
    const script = 'kcat "$@"; code=$?; cat /proc/$$/stat >&3; exit $code';
    const child = spawn('sh', ['-c', script, 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (stat += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => (records += chunk.length / RECORD_MARK.length));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  if (code === 127) throw new Error('cannot run kcat: install it with apt-get install -y kcat');
  if (code !== 0 || records !== topic.events) {
    throw new Error(
      `kcat read ${records} of ${topic.events} records from ${topic.topic} (exit ${code}): ${stderr.trim()}`,
    );
  }
  return { seconds, cpuSeconds: childrenCpuSeconds(stat) };
}
