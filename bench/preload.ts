/**
 * Fills the bench topics before anything is measured: events in the seed's shape (local/clickstream.ts),
 * one line each, written to a file per partition and produced with `kcat -P -p N` (librdkafka, batched),
 * which is far faster than anything the measured consumers do.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { clickstreamEvent } from '../local/clickstream';
import { TopicPlan } from './profiles';

/** What was produced to one topic: the denominators of every rate the bench reports. */
export interface PreloadedTopic {
  readonly topic: string;
  readonly partitions: number;
  readonly events: number;
  /** Sum of the record values' sizes. */
  readonly valueBytes: number;
  readonly seconds: number;
}

/**
 * A pool of distinct events whose JSON is reused with a fresh `eventId`, so that a run's events are all
 * unique without paying for crypto-random fields half a million times.
 */
export class EventSource {
  private readonly heads: string[] = [];
  private next = 0;

  constructor(
    private readonly runId: string,
    poolSize = 2_000,
  ) {
    for (let i = 0; i < poolSize; i++) {
      const json = JSON.stringify(clickstreamEvent(i, runId));
      const marker = '"eventId":"';
      // eventId is the last field: keep everything up to its value, append a new id per event.
      this.heads.push(json.slice(0, json.lastIndexOf(marker) + marker.length));
    }
  }

  line(): string {
    const sequence = this.next++;
    return `${this.heads[sequence % this.heads.length]}${this.runId}-${sequence}"}\n`;
  }
}

export async function preloadTopic(
  brokers: string,
  plan: TopicPlan,
  workDir: string,
  runId: string,
): Promise<PreloadedTopic> {
  const source = new EventSource(`${runId}${plan.name.replace(/^bench-/, '')}`);
  const started = performance.now();
  let valueBytes = 0;
  const files: string[] = [];
  for (let partition = 0; partition < plan.partitions; partition++) {
    const lines: string[] = [];
    for (let i = 0; i < plan.eventsPerPartition; i++) {
      const line = source.line();
      valueBytes += Buffer.byteLength(line) - 1;
      lines.push(line);
    }
    const file = path.join(workDir, `${plan.name}-${partition}.jsonl`);
    fs.writeFileSync(file, lines.join(''));
    files.push(file);
  }
  // Four producers at a time: a small partition's produce is mostly kcat's start-up and final flush.
  const queue = files.map((file, partition) => ({ file, partition }));
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      await produceFile(brokers, plan.name, job.partition, job.file);
      fs.rmSync(job.file);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return {
    topic: plan.name,
    partitions: plan.partitions,
    events: plan.partitions * plan.eventsPerPartition,
    valueBytes,
    seconds: (performance.now() - started) / 1000,
  };
}

function produceFile(brokers: string, topic: string, partition: number, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [
      '-P',
      '-b',
      brokers,
      '-t',
      topic,
      '-p',
      String(partition),
      '-X',
      'linger.ms=5',
      '-X',
      'batch.num.messages=10000',
      '-l',
      file,
    ];
    const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) =>
      reject(new Error(`cannot run kcat (${error.message}): install it with apt-get install -y kcat`)),
    );
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`kcat -P to ${topic}/${partition} exited with ${code}: ${stderr.trim()}`)),
    );
  });
}
