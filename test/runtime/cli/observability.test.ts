import { spawn } from 'node:child_process';
import { Counter, Registry } from 'prom-client';
import { projectRoot } from '../../../local/project-root';
import { HealthState, RunningHttpServer, startHttpServer } from '../../../runtime/observability/http-server';
import { createLogger } from '../../../runtime/observability/logger';
import { HEALTHCHECK_COMMAND } from '../../../runtime/image';

const CANARY = 'CANARY-logger-abcdef123456';

function capture(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    base: { exporter: 's3-demo' },
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines };
}

describe('createLogger', () => {
  test('writes one JSON object per line with level label, time and base fields', () => {
    const { logger, lines } = capture();
    logger.info({ partitions: [0, 1] }, 'object stored');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      exporter: 's3-demo',
      partitions: [0, 1],
      msg: 'object stored',
    });
    expect(JSON.parse(lines[0]).time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  test('redacts secrets by key at any depth, showing only their length', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        password: CANARY,
        kafka: { sasl: { mechanism: 'plain', password: CANARY } },
        config: { sink: { credentials: { kind: 'static', secretAccessKey: CANARY } } },
        request: { headers: { authorization: `AWS4-HMAC-SHA256 ${CANARY}` } },
        AccessKey: { SecretAccessKey: CANARY },
      },
      'everything secret',
    );
    const line = lines.join('');
    expect(line).not.toContain(CANARY);
    const entry = JSON.parse(line);
    expect(entry.password).toBe(`<redacted, ${CANARY.length} chars>`);
    expect(entry.kafka.sasl).toEqual({ mechanism: 'plain', password: `<redacted, ${CANARY.length} chars>` });
    expect(entry.config.sink.credentials).toBe('<redacted>');
    expect(entry.AccessKey.SecretAccessKey).toBe(`<redacted, ${CANARY.length} chars>`);
  });
});

describe('startHttpServer', () => {
  let server: RunningHttpServer;
  let state: HealthState = 'starting';
  let failMetrics = false;
  const registry = new Registry();
  const events = new Counter({ name: 'test_events_total', help: 'events', registers: [registry] });
  const base = () => `http://127.0.0.1:${server.port}`;

  beforeAll(async () => {
    const { logger } = capture();
    const guarded = Object.create(registry) as Registry;
    guarded.metrics = async () => {
      if (failMetrics) throw new Error('collector failed');
      return registry.metrics();
    };
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry: guarded,
      health: () => state,
      logger,
    });
  });
  afterAll(async () => server?.close());

  test('/healthz answers 503 while starting, 200 when ready, 503 when stopping or failed', async () => {
    const statuses: Array<[HealthState, number, unknown]> = [];
    for (const next of ['starting', 'ready', 'stopping', 'failed'] as const) {
      state = next;
      const response = await fetch(`${base()}/healthz`);
      statuses.push([next, response.status, await response.json()]);
    }
    expect(statuses).toEqual([
      ['starting', 503, { status: 'starting' }],
      ['ready', 200, { status: 'ready' }],
      ['stopping', 503, { status: 'stopping' }],
      ['failed', 503, { status: 'failed' }],
    ]);
  });

  test('/metrics serves the registry in the Prometheus text format', async () => {
    events.inc(3);
    const response = await fetch(`${base()}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('test_events_total 3');
  });

  test('a failing metrics collector answers 500 and the server keeps serving', async () => {
    failMetrics = true;
    expect((await fetch(`${base()}/metrics`)).status).toBe(500);
    failMetrics = false;
    expect((await fetch(`${base()}/metrics`)).status).toBe(200);
  });

  test('answers 404 for other paths and 405 for other methods', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(404);
    expect((await fetch(`${base()}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  test('the image health check command exits 0 only while /healthz answers 200', async () => {
    const check = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(HEALTHCHECK_COMMAND[0], HEALTHCHECK_COMMAND.slice(1), {
          cwd: projectRoot(),
          env: { PATH: process.env.PATH ?? '', BATCH_EXPORTER_HTTP_PORT: String(server.port) },
          stdio: 'ignore',
        });
        child.once('close', resolve);
      });
    state = 'ready';
    expect(await check()).toBe(0);
    state = 'starting';
    expect(await check()).toBe(1);
  });

  test('fails to start on a port that is taken', async () => {
    const { logger } = capture();
    await expect(
      startHttpServer({ port: server.port, host: '127.0.0.1', registry, health: () => state, logger }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
