/** Runs bench/bare-consumer.ts (kafkajs or the native client) as a process and turns its report into a measurement. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BareConsumerReport } from './bare-consumer';
import { PreloadedTopic } from './preload';
import { perGigabyte } from './proc-status';
import { Throughput, round, throughput } from './throughput';

export interface BareKafkajsMeasurement extends Throughput {
  readonly tool: 'kafkajs' | 'native';
  /** Including connect and group join. */
  readonly wallSeconds: number;
  readonly peakRssMb: number;
  /** The process's CPU seconds (user + system) from the group join to the last record, and per GB of values. */
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGb: number;
  /** The same from process start (start-up included), as earlier runs reported it. */
  readonly cpuSecondsPerGbIncludingStartup: number;
}

export async function measureBareKafkajs(
  brokers: string,
  topic: PreloadedTopic,
  groupId: string,
  client: 'kafkajs' | 'native' = 'kafkajs',
): Promise<BareKafkajsMeasurement> {
  const script = path.join(__dirname, 'bare-consumer.js');
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [script, brokers, topic.topic, groupId, String(topic.events), client],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`bare ${client} consumer exited with ${code}: ${stderr.trim()}`);
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as BareConsumerReport;
  if (report.records !== topic.events) {
    throw new Error(`bare ${client} consumer read ${report.records} of ${topic.events} records`);
  }
  return {
    tool: client,
    ...throughput(topic, report.records, report.seconds),
    wallSeconds: round(report.wallSeconds, 3),
    peakRssMb: round(report.peakRssMb, 1),
    cpuSeconds: round(report.cpuSeconds, 2),
    cpuSecondsPerGb: perGigabyte(report.cpuSeconds, topic.valueBytes),
    cpuSecondsPerGbIncludingStartup: perGigabyte(report.cpuSecondsIncludingStartup, topic.valueBytes),
  };
}
