import { execFileSync, spawn, ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { own, stopProcess } from '../process';
import { projectRoot } from '../project-root';
import { TopicSpec } from './topics';

export interface MockKafkaOptions {
  /** @default 1 */
  readonly brokers?: number;
  /** Created at start-up (kafkajs `admin.createTopics` does not work on the mock); `config` is not supported. */
  readonly topics: readonly Pick<TopicSpec, 'name' | 'partitions'>[];
}

/**
 * A running librdkafka mock cluster: a real Kafka-protocol broker on 127.0.0.1, on free ports.
 *
 * It keeps only about 5 MB per partition (older records are dropped as retention would): size tests with
 * more partitions, or consume while producing.
 */
export interface MockKafka {
  /** Comma-separated `host:port` list, as printed by the launcher. */
  readonly bootstrap: string;
  readonly brokers: string[];
  /** Runs a fault command (see local/kafka/mock-broker.c), resolving once the broker confirms it. */
  fault(command: string): Promise<void>;
  stop(): Promise<void>;
}

/** Compiles the launcher with gcc on first use; the binary is cached under .cache/, keyed by the source hash. */
export function buildMockBroker(): string {
  const source = fs.readFileSync(sourcePath());
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const cache = path.join(projectRoot(), '.cache');
  const binary = path.join(cache, `mock-broker-${hash}`);
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(cache, { recursive: true });
    const partial = `${binary}.${process.pid}`;
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-o', partial, sourcePath(), '-lrdkafka'], { stdio: 'pipe' });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(
        `cannot compile the local Kafka broker (${sourcePath()}): ${stderr.trim()}\n` +
          'Install the compiler and librdkafka headers: apt-get install -y gcc librdkafka-dev',
      );
    }
    fs.renameSync(partial, binary);
  }
  return binary;
}

function sourcePath(): string {
  return path.join(projectRoot(), 'local', 'kafka', 'mock-broker.c');
}

export async function startMockKafka(options: MockKafkaOptions): Promise<MockKafka> {
  const binary = buildMockBroker();
  const args = [
    '--brokers',
    String(options.brokers ?? 1),
    ...options.topics.map((t) => `${t.name}:${t.partitions}`),
  ];
  const child = own(
    spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] }),
  ) as ChildProcessWithoutNullStreams;
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  const pending: Array<(line: string) => void> = [];
  let bootstrap: string | undefined;

  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`mock broker exited with ${code}: ${stderr.join('').trim()}`)),
    );
    lines.on('line', (line) => {
      if (bootstrap === undefined) {
        bootstrap = line.trim();
        resolve(bootstrap);
      } else {
        pending.shift()?.(line);
      }
    });
  });
  const address = await ready;

  return {
    bootstrap: address,
    brokers: address.split(','),
    fault: (command: string) =>
      new Promise<void>((resolve, reject) => {
        pending.push((answer) =>
          answer.startsWith('ok ')
            ? resolve()
            : reject(new Error(`mock broker refused '${command}': ${answer}`)),
        );
        child.stdin.write(`${command}\n`);
      }),
    stop: async () => {
      child.stdin.end();
      await stopProcess(child);
    },
  };
}
