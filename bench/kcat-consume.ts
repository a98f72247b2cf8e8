/**
 * The limit: kcat (librdkafka) reading a whole topic from the beginning and exiting at its end (`-C -e`),
 * printing a few bytes per record so that counting costs nothing and nothing but the consume is measured.
 *
 * Timed from spawn to exit: with `fetch.wait.max.ms` short, kcat's start-up and end detection take tens of
 * milliseconds, and timing only its output would leave out the first fetch (librdkafka prefetches up to
 * tens of MB before the first record is printed), flattering the limit.
 */
import { spawn } from 'node:child_process';
import { PreloadedTopic } from './preload';
import { Throughput, round, throughput } from './throughput';

export interface KcatMeasurement extends Throughput {
  readonly tool: 'kcat';
  /** Seconds of every read; the median is reported. */
  readonly attemptsSeconds: readonly number[];
}

/** The median of `attempts` full reads: a read of a small topic takes a fraction of a second and varies. */
export async function measureKcat(
  brokers: string,
  topic: PreloadedTopic,
  attempts = 3,
): Promise<KcatMeasurement> {
  const seconds: number[] = [];
  for (let i = 0; i < attempts; i++) seconds.push(await readTopic(brokers, topic));
  const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)];
  return {
    tool: 'kcat',
    ...throughput(topic, topic.events, median),
    attemptsSeconds: seconds.map((s) => round(s, 3)),
  };
}

/** Bytes kcat prints per record (`-f`). */
const RECORD_MARK = '.';

async function readTopic(brokers: string, topic: PreloadedTopic): Promise<number> {
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
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (records += chunk.length / RECORD_MARK.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`cannot run kcat (${error.message}): install it with apt-get install -y kcat`)),
    );
    child.once('close', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0 || records !== topic.events) {
    throw new Error(
      `kcat read ${records} of ${topic.events} records from ${topic.topic} (exit ${code}): ${stderr.trim()}`,
    );
  }
  return seconds;
}
