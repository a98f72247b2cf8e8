/**
 * The limit: kcat (librdkafka) reading a whole topic from the beginning and exiting at its end, printing
 * one byte per record so that counting costs nothing and nothing but the consume is measured.
 */
import { spawn } from 'node:child_process';
import { PreloadedTopic } from './preload';
import { Throughput, round, throughput } from './throughput';

export interface KcatMeasurement extends Throughput {
  readonly tool: 'kcat';
  /** Seconds of every attempt; the fastest is reported, as the limit. */
  readonly attemptsSeconds: readonly number[];
}

/** The best of `attempts` full reads: kcat's start-up and metadata round trips make single reads noisy. */
export async function measureKcat(
  brokers: string,
  topic: PreloadedTopic,
  attempts = 2,
): Promise<KcatMeasurement> {
  const seconds: number[] = [];
  for (let i = 0; i < attempts; i++) seconds.push(await readTopic(brokers, topic));
  return {
    tool: 'kcat',
    ...throughput(topic, topic.events, Math.min(...seconds)),
    attemptsSeconds: seconds.map((s) => round(s, 3)),
  };
}

async function readTopic(brokers: string, topic: PreloadedTopic): Promise<number> {
  const started = performance.now();
  let records = 0;
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      'kcat',
      ['-C', '-b', brokers, '-t', topic.topic, '-o', 'beginning', '-e', '-q', '-f', '.'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (records += chunk.length));
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
