/**
 * The bench's stopwatch for "interval end -> object stored": an HTTP pass-through in front of the S3 side
 * that records when the server answered each successful PutObject. The exporter's sink endpoint points here.
 * It sees only what any S3 client would; it changes nothing in the requests or answers. It sits in the data
 * path (every body passes through the bench process), so it is used only for a side that cannot record its
 * PUTs itself (moto); the gofakes3 side logs them in the server (local/s3/gofakes3.ts, `recordPuts`).
 */
import http from 'node:http';
import net from 'node:net';

export interface StoredPut {
  /** Object key (path-style URL without the bucket, decoded). */
  readonly key: string;
  /** Epoch ms when the server's answer arrived. */
  readonly storedAt: number;
}

export interface PutRecorder {
  readonly endpoint: string;
  /** Successful PUTs whose key starts with `prefix`, in the order they were answered. */
  putsUnder(prefix: string): StoredPut[];
  stop(): Promise<void>;
}

export async function startPutRecorder(target: string, bucket: string): Promise<PutRecorder> {
  const upstream = new URL(target);
  const puts: StoredPut[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (req.method === 'PUT' && status === 200) {
          const url = new URL(req.url ?? '/', 'http://s3');
          const path = decodeURIComponent(url.pathname);
          if (path.startsWith(`/${bucket}/`))
            puts.push({ key: path.slice(bucket.length + 2), storedAt: Date.now() });
        }
        res.writeHead(status, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bench put recorder: upstream failed: ${error.message}`);
    });
    req.pipe(forward);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    putsUnder: (prefix) => puts.filter((p) => p.key.startsWith(prefix)),
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
