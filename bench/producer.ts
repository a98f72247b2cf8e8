/**
 * Production at a fixed rate, for the maximum-sustained-rate step: one `kcat -P` process (librdkafka's
 * producer, partitioner spreading records over the topic's partitions) fed seed-shaped events on stdin,
 * so many per 50 ms tick that the rate holds. The rate can be changed while it runs.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { EventSource } from './preload';

export interface RateProducer {
  /** kcat's process id (its CPU time is reported beside the exporter's). */
  readonly pid: number | undefined;
  /** Produce `eventsPerSecond` from now on. */
  setRate(eventsPerSecond: number): void;
  /** Events and value bytes written to kcat so far. */
  produced(): { readonly events: number; readonly valueBytes: number };
  /** Ends the input, waits for kcat to deliver everything and exit. */
  stop(): Promise<void>;
}

const TICK_MS = 50;
/**
 * At most this much production (in ms of the rate) is written per tick: after kcat's stdin was blocked, the
 * producer catches up at four times the rate instead of writing the whole debt as one string (which
 * outgrew V8's longest string at 288k events/s).
 */
const MAX_CATCH_UP_MS = 200;

export function startRateProducer(brokers: string, topic: string, runId: string): RateProducer {
  const source = new EventSource(runId);
  const child: ChildProcessWithoutNullStreams = spawn(
    'kcat',
    ['-P', '-b', brokers, '-t', topic, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // kcat gone (EPIPE on its stdin): stop feeding it; stop() reports its exit code and stderr.
  let gone = false;
  child.stdin.on('error', () => (gone = true));
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code) => resolve(code));
  });
  let rate = 0;
  let since = performance.now();
  let writtenSince = 0;
  let events = 0;
  let valueBytes = 0;
  let blocked = false;
  const tick = () => {
    if (gone || blocked || rate === 0) return;
    const owed = Math.floor((rate * (performance.now() - since)) / 1000) - writtenSince;
    const due = Math.min(owed, Math.ceil((rate * MAX_CATCH_UP_MS) / 1000));
    if (due <= 0) return;
    const lines: string[] = [];
    for (let i = 0; i < due; i++) lines.push(source.line());
    const text = lines.join('');
    valueBytes += Buffer.byteLength(text) - due;
    events += due;
    writtenSince += due;
    if (!child.stdin.write(text)) {
      blocked = true;
      child.stdin.once('drain', () => (blocked = false));
    }
  };
  const timer = setInterval(tick, TICK_MS);
  return {
    pid: child.pid,
    setRate: (eventsPerSecond) => {
      rate = eventsPerSecond;
      since = performance.now();
      writtenSince = 0;
    },
    produced: () => ({ events, valueBytes }),
    stop: async () => {
      clearInterval(timer);
      child.stdin.end();
      const code = await exited;
      if (code === 127) throw new Error('cannot run kcat: install it with apt-get install -y kcat');
      if (code !== 0) throw new Error(`kcat -P to ${topic} exited with ${code}: ${stderr.trim()}`);
    },
  };
}
