import { freePort } from '../../../local';
import type { RunningExporter } from '../../../runtime/exporter';
import { CliIo } from '../../../runtime/cli/io';
import { RunContext, runService } from '../../../runtime/cli/run-command';

const CANARY = 'CANARY-run-0f1e2d3c4b5a';

/** A RunningExporter whose life the test drives. */
function controllableExporter() {
  let markReady!: () => void;
  let failReady!: (error: Error) => void;
  let markStopped!: () => void;
  let failStopped!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  const stopped = new Promise<void>((resolve, reject) => ((markStopped = resolve), (failStopped = reject)));
  ready.catch(() => undefined);
  stopped.catch(() => undefined);
  const stop = jest.fn(async (): Promise<void> => undefined);
  const exporter: RunningExporter = { ready, stopped, stop };
  return { exporter, stop, markReady, failReady, markStopped, failStopped };
}

function harness(httpPort: number, onStop?: () => void) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
  let signal: (name: string) => void = () => undefined;
  let listening!: (port: number) => void;
  const listeningOn = new Promise<number>((resolve) => (listening = resolve));
  const control = controllableExporter();
  if (onStop) control.stop.mockImplementation(async () => onStop());
  const started = jest.fn(async () => control.exporter);
  const context: RunContext = {
    env: {
      BATCH_EXPORTER_NAME: 's3-demo',
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: 'clicks',
      BATCH_EXPORTER_KAFKA_BROKERS: '127.0.0.1:9092',
      BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'plain',
      BATCH_EXPORTER_KAFKA_SASL_USERNAME: 'exporter',
      BATCH_EXPORTER_KAFKA_SASL_PASSWORD: CANARY,
      BATCH_EXPORTER_SINK_BUCKET: 'strmprivacy-export-demo',
      BATCH_EXPORTER_HTTP_PORT: String(httpPort),
    },
    signals: (handler) => {
      signal = handler;
      return () => (signal = () => undefined);
    },
    startExporter: started,
    onListening: listening,
  };
  return {
    io,
    context,
    control,
    started,
    listeningOn,
    sendSignal: (name: string) => signal(name),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

async function health(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
}

describe('runService', () => {
  test('reports ready on /healthz once the exporter is ready, and stops cleanly on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const run = harness(port, () => run.control.markStopped());
    const exit = runService({ shutdownTimeoutSeconds: 10 }, run.io, run.context);
    await run.listeningOn;
    expect(await health(port)).toBe(503);
    run.control.markReady();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await health(port)).toBe(200);
    run.sendSignal('SIGTERM');
    expect(await exit).toBe(0);
    expect(run.control.stop).toHaveBeenCalledTimes(1);
    const messages = run
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'starting batch exporter',
        'ready: validation object written, consumer group joined',
        'stopping: flushing and committing',
        'stopped cleanly',
      ]),
    );
    expect(run.stdout()).toContain('"passwordSet":true');
    expect(run.stdout() + run.stderr()).not.toContain(CANARY);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  test('answers 503 while stopping', async () => {
    const port = await freePort();
    const run = harness(port);
    const exit = runService({ shutdownTimeoutSeconds: 10 }, run.io, run.context);
    await run.listeningOn;
    run.control.markReady();
    await new Promise((resolve) => setImmediate(resolve));
    run.sendSignal('SIGINT');
    expect(await health(port)).toBe(503);
    run.control.markStopped();
    expect(await exit).toBe(0);
  });

  test('fails with exit 1 and a scrubbed message when the exporter stops with a fatal error', async () => {
    const run = harness(0);
    const exit = runService({ shutdownTimeoutSeconds: 10 }, run.io, run.context);
    await new Promise((resolve) => setImmediate(resolve));
    run.control.failStopped(new Error(`S3 denied PutObject; a library quoted the password ${CANARY}`));
    expect(await exit).toBe(1);
    expect(run.stderr()).toBe(
      `batch-exporter run: the exporter stopped: S3 denied PutObject; a library quoted the password <redacted, ${CANARY.length} chars>\n`,
    );
    expect(run.stdout()).toContain('"level":"fatal"');
    expect(run.stdout()).not.toContain(CANARY);
  });

  test('fails with exit 1 when the exporter cannot start', async () => {
    const run = harness(0);
    run.started.mockRejectedValueOnce(new Error('no brokers reachable at 127.0.0.1:9092'));
    expect(await runService({ shutdownTimeoutSeconds: 10 }, run.io, run.context)).toBe(1);
    expect(run.stderr()).toBe(
      'batch-exporter run: the exporter could not start: no brokers reachable at 127.0.0.1:9092\n',
    );
  });

  test('fails with exit 1 when stopping takes longer than the shutdown timeout', async () => {
    const run = harness(0);
    const exit = runService({ shutdownTimeoutSeconds: 1 }, run.io, run.context);
    await new Promise((resolve) => setImmediate(resolve));
    run.sendSignal('SIGTERM');
    expect(await exit).toBe(1);
    expect(run.stderr()).toBe(
      'batch-exporter run: the exporter did not stop cleanly: the exporter did not stop within 1 s\n',
    );
  });

  test('fails with exit 1 naming the variable when the HTTP port is taken', async () => {
    const port = await freePort();
    const first = harness(port);
    const running = runService({ shutdownTimeoutSeconds: 10 }, first.io, first.context);
    await first.listeningOn;
    const second = harness(port);
    expect(await runService({ shutdownTimeoutSeconds: 10 }, second.io, second.context)).toBe(1);
    expect(second.stderr()).toContain(
      `cannot serve /healthz and /metrics on port ${port} (set BATCH_EXPORTER_HTTP_PORT to a free port, or 0 to disable)`,
    );
    expect(second.started).not.toHaveBeenCalled();
    first.sendSignal('SIGTERM');
    first.control.markStopped();
    expect(await running).toBe(0);
  });
});
