/**
 * The limit: kcat (librdkafka) reading a whole topic from the beginning and exiting at its end (`-C -e`),
 * printing a few bytes per record so that counting costs nothing and nothing but the consume is measured.
 *
 * The rate is taken from the first output to the last, so kcat's start-up (metadata, offset look-ups,
 * ~0.5 s) is left out, as the consumers' start-up and group join are: the limit is the streaming rate.
 */
import { spawn } from 'node:child_process';
import { PreloadedTopic } from './preload';
import { Throughput, round } from './throughput';

export interface KcatMeasurement extends Throughput {
  readonly tool: 'kcat';
  /** Spawn to exit of the median attempt, start-up included. */
  readonly wallSeconds: number;
  /** Streaming seconds of every attempt; the median rate is reported. */
  readonly attemptsSeconds: readonly number[];
}

interface KcatRead {
  /** From the first output chunk to the last. */
  readonly streamingSeconds: number;
  /** Records after the first chunk: the ones the streaming time covers. */
  readonly streamedRecords: number;
  readonly wallSeconds: number;
}

/** The median of `attempts` full reads: a read of a small topic takes a fraction of a second and varies. */
export async function measureKcat(
  brokers: string,
  topic: PreloadedTopic,
  attempts = 3,
): Promise<KcatMeasurement> {
  const reads: KcatRead[] = [];
  for (let i = 0; i < attempts; i++) reads.push(await readTopic(brokers, topic));
  const rate = (read: KcatRead) => read.streamedRecords / read.streamingSeconds;
  const median = [...reads].sort((a, b) => rate(a) - rate(b))[Math.floor(reads.length / 2)];
  const eventsPerSecond = rate(median);
  return {
    tool: 'kcat',
    events: topic.events,
    seconds: round(topic.events / eventsPerSecond, 3),
    eventsPerSecond: Math.round(eventsPerSecond),
    megabytesPerSecond: round((eventsPerSecond * topic.valueBytes) / topic.events / 1e6, 2),
    wallSeconds: round(median.wallSeconds, 3),
    attemptsSeconds: reads.map((read) => round(read.streamingSeconds, 3)),
  };
}

/**
 * kcat prints these bytes per record: stdout to a pipe is flushed in 4 KiB blocks, so eight bytes a record
 * make a chunk every 512 records, fine enough to time the stream from its first chunk to its last.
 */
const RECORD_MARK = '........';

async function readTopic(brokers: string, topic: PreloadedTopic): Promise<KcatRead> {
  const started = performance.now();
  let outputBytes = 0;
  let firstChunk: { at: number; bytes: number } | undefined;
  let lastChunkAt = started;
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
    child.stdout.on('data', (chunk: Buffer) => {
      lastChunkAt = performance.now();
      outputBytes += chunk.length;
      firstChunk ??= { at: lastChunkAt, bytes: chunk.length };
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`cannot run kcat (${error.message}): install it with apt-get install -y kcat`)),
    );
    child.once('close', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const records = outputBytes / RECORD_MARK.length;
  if (code !== 0 || records !== topic.events || !firstChunk) {
    throw new Error(
      `kcat read ${records} of ${topic.events} records from ${topic.topic} (exit ${code}): ${stderr.trim()}`,
    );
  }
  // A topic that fits in one output chunk has no streaming interval: fall back to the wall time.
  const streamed = (outputBytes - firstChunk.bytes) / RECORD_MARK.length;
  return streamed > 0 && lastChunkAt > firstChunk.at
    ? { streamingSeconds: (lastChunkAt - firstChunk.at) / 1000, streamedRecords: streamed, wallSeconds }
    : { streamingSeconds: wallSeconds, streamedRecords: records, wallSeconds };
}
