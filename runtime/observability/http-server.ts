/**
 * The exporter's HTTP endpoints on `httpPort`: `/healthz` (200 only while ready: validation object
 * written and consumer group joined; 503 while starting, stopping or failed) and `/metrics` (Prometheus
 * text of the exporter's registry). node:http only; a failing observer answers 500 and never throws.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export type HealthState = 'starting' | 'ready' | 'stopping' | 'failed';

export interface HttpServerOptions {
  /** 1-65535, or 0 for a free port chosen by the system (tests); the CLI skips the server for httpPort 0. */
  readonly port: number;
  /** @default '0.0.0.0' (reachable by the container's health check and scrapers) */
  readonly host?: string;
  readonly registry: Registry;
  readonly health: () => HealthState;
  readonly logger: Logger;
}

export interface RunningHttpServer {
  /** The port actually listened on. */
  readonly port: number;
  close(): Promise<void>;
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: HttpServerOptions,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const state = options.health();
    send(
      response,
      state === 'ready' ? 200 : 503,
      'application/json',
      `${JSON.stringify({ status: state })}\n`,
    );
    return;
  }
  if (path === '/metrics') {
    send(response, 200, options.registry.contentType, await options.registry.metrics());
    return;
  }
  send(response, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = http.createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.logger.warn({ err: error, url: request.url }, 'http endpoint failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.end();
    });
  });
  // A scraper that keeps connections open must not hold up shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
