import http from 'node:http';
import net from 'node:net';

/** What the proxy does to the next matching requests. */
export type S3Fault =
  /** Answer with this status without forwarding (throttling, 5xx bursts). */
  | { readonly kind: 'status'; readonly status: number }
  /** Hold the request without answering, so the client's timeout fires; nothing is forwarded. */
  | { readonly kind: 'hang' }
  /** Forward the request (the object is stored), then answer 500 instead: a lost response. */
  | { readonly kind: 'lose-response' }
  /** Hold the request in flight until `release()`, then forward it as it came: a slow store. */
  | { readonly kind: 'hold' };

export interface FaultRule {
  readonly fault: S3Fault;
  /** How many matching requests get the fault. */
  readonly count: number;
  /** Only requests with this method. @default any */
  readonly method?: string;
  /** Only requests whose path matches. @default any */
  readonly path?: RegExp;
}

export interface FaultStats {
  readonly forwarded: number;
  readonly faulted: number;
  /** Requests held by a `hold` fault and not released yet. */
  readonly held: number;
}

/**
 * An HTTP proxy in front of moto_server (or fake-gcs-server) that injects storage faults, for the fault
 * matrix. It listens on a free port on 127.0.0.1; point the client's endpoint at `endpoint`.
 */
export interface FaultProxy {
  readonly endpoint: string;
  inject(rule: FaultRule): void;
  /** Forwards every request a `hold` fault holds. */
  release(): void;
  clear(): void;
  stats(): FaultStats;
  stop(): Promise<void>;
}

const S3_ERROR_CODES: Record<number, string> = { 500: 'InternalError', 503: 'SlowDown' };

export interface FaultProxyOptions {
  /** The error bodies injected faults answer with: S3's XML or the GCS JSON API's. @default 's3' */
  readonly dialect?: 's3' | 'gcs';
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: Array<FaultRule & { remaining: number }> = [];
  const hung = new Set<http.ServerResponse>();
  const held: Array<() => void> = [];
  let forwarded = 0;
  let faulted = 0;

  const takeFault = (req: http.IncomingMessage): S3Fault | undefined => {
    const rule = rules.find(
      (r) =>
        r.remaining > 0 && (!r.method || r.method === req.method) && (!r.path || r.path.test(req.url ?? '')),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    faulted += 1;
    return rule.fault;
  };

  const answerError = (res: http.ServerResponse, status: number) => {
    if (options.dialect === 'gcs') {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: status, message: 'injected', errors: [{ reason: 'backendError' }] },
        }),
      );
      return;
    }
    const code = S3_ERROR_CODES[status] ?? 'InjectedFault';
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
    );
  };

  const server = http.createServer((req, res) => {
    const fault = takeFault(req);
    if (fault?.kind === 'status') {
      req.resume();
      answerError(res, fault.status);
      return;
    }
    if (fault?.kind === 'hang') {
      req.resume();
      hung.add(res);
      res.once('close', () => hung.delete(res));
      return;
    }
    if (fault?.kind === 'hold') {
      held.push(() => forward(req, res, undefined));
      return;
    }
    forward(req, res, fault);
  });

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, fault: S3Fault | undefined) => {
    const upstreamRequest = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        forwarded += 1;
        if (fault?.kind === 'lose-response') {
          answer.resume();
          answer.once('end', () => answerError(res, 500));
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstreamRequest.once('error', () => answerError(res, 502));
    req.pipe(upstreamRequest);
  };
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject: (rule) => rules.push({ ...rule, remaining: rule.count }),
    release: () => {
      for (const send of held.splice(0, held.length)) send();
    },
    clear: () => rules.splice(0, rules.length),
    stats: () => ({ forwarded, faulted, held: held.length }),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
