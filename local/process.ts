import { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until something accepts TCP connections on the port. A TCP connect is the only safe probe for
 * moto in enforced mode: every HTTP request counts toward INITIAL_NO_AUTH_ACTION_COUNT.
 */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `process exited (${child.exitCode ?? child.signalCode}) before listening on port ${port}`,
      );
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sends SIGTERM, then SIGKILL if the process is still alive after `graceMs`. A child owned with
 * `ownGroup` gets each signal as its whole process group.
 */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(child, 'SIGTERM');
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Sends a signal to the child, or to its process group when it leads one (see `ownGroup`). */
export function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (groupLeaders.has(child) && child.pid !== undefined) {
    try {
      process.kill(-child.pid, name);
    } catch {
      // the group is already gone
    }
  } else {
    child.kill(name);
  }
}

const owned = new Set<ChildProcess>();
const groupLeaders = new WeakSet<ChildProcess>();

/** Remembers a child so that it is killed even when the owner exits without stopping it. */
export function own(child: ChildProcess): ChildProcess {
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  return child;
}

/** Like `own`, for a child spawned with `detached: true`: it and everything it starts are signalled together. */
export function ownGroup(child: ChildProcess): ChildProcess {
  groupLeaders.add(child);
  return own(child);
}

process.once('exit', () => {
  for (const child of owned) signal(child, 'SIGKILL');
});

/**
 * Waits until a just-spawned server listens on `port`; if it exits or never listens, stops it and throws
 * with the tail of its stderr and `hint` (how to install it).
 */
export async function awaitServer(child: ChildProcess, port: number, name: string, hint = ''): Promise<void> {
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 200) stderr.push(chunk.toString());
  });
  try {
    await waitForPort(port, child);
  } catch (error) {
    await stopProcess(child);
    throw new Error(
      `${name} did not start: ${(error as Error).message}\n${stderr.join('').slice(-2000)}${hint ? `\n${hint}` : ''}`,
    );
  }
}
