/** Runs bench/bare-consumer.ts as a process and turns its report into a measurement. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BareConsumerReport } from './bare-consumer';
import { PreloadedTopic } from './preload';
import { Throughput, round, throughput } from './throughput';

export interface BareKafkajsMeasurement extends Throughput {
  readonly tool: 'kafkajs';
  /** Including connect and group join. */
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

export async function measureBareKafkajs(
  brokers: string,
  topic: PreloadedTopic,
  groupId: string,
): Promise<BareKafkajsMeasurement> {
  const script = path.join(__dirname, 'bare-consumer.js');
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [script, brokers, topic.topic, groupId, String(topic.events)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`bare kafkajs consumer exited with ${code}: ${stderr.trim()}`);
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as BareConsumerReport;
  if (report.records !== topic.events) {
    throw new Error(`bare kafkajs consumer read ${report.records} of ${topic.events} records`);
  }
  return {
    tool: 'kafkajs',
    ...throughput(topic, report.records, report.seconds),
    wallSeconds: round(report.wallSeconds, 3),
    peakRssMb: round(report.peakRssMb, 1),
  };
}
