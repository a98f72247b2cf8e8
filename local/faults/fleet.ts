import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, own } from '../process';
import { projectRoot } from '../project-root';

/** How an exporter process ended. */
export interface ProcessExit {
  readonly label: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /**
   * True when the harness asked for it (a signal it sent) or started the process expecting it to exit on its
   * own (`expectExit`); false for an exit nobody expected.
   */
  readonly requested: boolean;
}

/** How to start one exporter process. */
export interface StartOptions {
  /** Variables added to (or replacing) the fleet's environment for this process and its replacements. */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The process is meant to exit on its own (e.g. exit 1 on data loss): its exit is neither a crash nor
   * restarted; the scenario awaits `exited` and checks the code itself.
   * @default false
   */
  readonly expectExit?: boolean;
}

/** One real exporter process: `node dist/runtime/cli/main.js run`, configured through its environment. */
export class ExporterProcess {
  readonly exited: Promise<ProcessExit>;
  private requested = false;
  private exit: ProcessExit | undefined;

  constructor(
    readonly label: string,
    readonly httpPort: number,
    readonly logFile: string,
    private readonly child: ChildProcess,
    expectExit = false,
  ) {
    this.requested = expectExit;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { label, code, signal, requested: this.requested };
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Sends a signal (SIGKILL, SIGTERM, SIGSTOP, SIGCONT); a no-op once the process is gone. */
  signal(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.requested = true;
    this.child.kill(signal);
  }

  /** Resolves once `/healthz` answers 200 (validation object written, group joined). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.label} exited before it was ready: ${this.tail()}`);
      if ((await probe(this.httpPort)) === 200) return;
      await sleep(200);
    }
    throw new Error(`${this.label} was not ready (GET /healthz) within ${timeoutMs} ms: ${this.tail()}`);
  }

  /** The last lines the process logged, for failure messages. */
  tail(lines = 8): string {
    return this.log().trim().split('\n').slice(-lines).join('\n');
  }

  /** Everything the process wrote to stdout and stderr so far. */
  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '(no log)';
    }
  }

  /** The Node version its `starting batch exporter` line reports, or undefined before it logged one. */
  nodeVersion(): string | undefined {
    const node = this.startLine()?.node;
    return typeof node === 'string' ? node : undefined;
  }

  /** The Kafka client (`kafkajs`, `native`) its `starting batch exporter` line reports. */
  kafkaClient(): string | undefined {
    const client = this.startLine()?.config?.kafka?.client;
    return typeof client === 'string' ? client : undefined;
  }

  private startLine(): { node?: unknown; config?: { kafka?: { client?: unknown } } } | undefined {
    for (const line of this.log().split('\n')) {
      if (!line.includes('"starting batch exporter"')) continue;
      try {
        return JSON.parse(line) as { node?: unknown; config?: { kafka?: { client?: unknown } } };
      } catch {
        // A line cut short by kill -9 while it was written.
      }
    }
    return undefined;
  }

  /** GET /metrics (Prometheus text), or a failure naming the status. */
  async metrics(): Promise<string> {
    const { status, body } = await get(this.httpPort, '/metrics');
    if (status !== 200)
      throw new Error(`${this.label}: GET /metrics answered ${status ?? 'nothing'}: ${body}`);
    return body;
  }
}

export interface ExporterFleetOptions {
  /** The exporter's environment (BATCH_EXPORTER_*), without the HTTP port, which the fleet picks. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where each process's stdout and stderr go, one file per process. */
  readonly logDir: string;
  readonly name: string;
  /**
   * Start a replacement when a process exits on its own, as ECS restarts a stopped task.
   * @default true
   */
  readonly restartOnExit?: boolean;
}

/**
 * The exporter processes of one scenario: starts them, signals them (kill -9, SIGTERM, SIGSTOP/SIGCONT),
 * restarts them, and records every exit.
 */
export class ExporterFleet {
  readonly exits: ProcessExit[] = [];
  private readonly processes: ExporterProcess[] = [];
  /** The process started in place of one that exited on its own. */
  private readonly replacements = new Map<ExporterProcess, Promise<ExporterProcess>>();
  private started = 0;
  private closed = false;

  constructor(private readonly options: ExporterFleetOptions) {
    fs.mkdirSync(options.logDir, { recursive: true });
  }

  /** Starts one more exporter process. */
  async start(options: StartOptions = {}): Promise<ExporterProcess> {
    // A scenario body still running after its time budget ran out must not start orphans.
    if (this.closed) throw new Error(`the ${this.options.name} exporters were closed (scenario over)`);
    const label = `${this.options.name}#${++this.started}`;
    const httpPort = await freePort();
    const logFile = path.join(this.options.logDir, `${label.replace('#', '-')}.log`);
    const log = fs.openSync(logFile, 'a');
    const child = own(
      spawn(process.execPath, [cliPath(), 'run'], {
        cwd: projectRoot(),
        env: {
          PATH: process.env.PATH,
          ...this.options.environment,
          ...options.environment,
          BATCH_EXPORTER_HTTP_PORT: String(httpPort),
        },
        stdio: ['ignore', log, log],
      }),
    );
    fs.closeSync(log);
    const exporter = new ExporterProcess(label, httpPort, logFile, child, options.expectExit);
    this.processes.push(exporter);
    void exporter.exited.then((exit) => {
      this.exits.push(exit);
      if (!exit.requested && !this.closed && (this.options.restartOnExit ?? true)) {
        const replacement = new Promise<ExporterProcess>((resolve, reject) =>
          setTimeout(() => {
            if (this.closed) reject(new Error(`${exporter.label} exited and the scenario is over`));
            else this.start({ environment: options.environment }).then(resolve, reject);
          }, 500),
        );
        replacement.catch(() => undefined);
        this.replacements.set(exporter, replacement);
      }
    });
    return exporter;
  }

  /** How many processes were started, replacements included. */
  get starts(): number {
    return this.started;
  }

  /**
   * Starts an exporter and waits until it is ready; when it exits on its own first, waits for its
   * replacement instead (each gets `timeoutMs`, at most `replacements` of them; the exits stay in
   * `unexpectedExits`).
   */
  async startReady(
    timeoutMs: number,
    replacements = 3,
    options: Pick<StartOptions, 'environment'> = {},
  ): Promise<ExporterProcess> {
    let exporter = await this.start(options);
    for (let replaced = 0; ; replaced++) {
      try {
        await exporter.ready(timeoutMs);
        return exporter;
      } catch (error) {
        await Promise.race([exporter.exited, sleep(200)]);
        const replacement = exporter.alive ? undefined : this.replacements.get(exporter);
        if (!replacement || replaced >= replacements) throw error;
        exporter = await replacement;
      }
    }
  }

  /** Processes not exited yet. */
  live(): ExporterProcess[] {
    return this.processes.filter((p) => p.alive);
  }

  /** Exits the harness did not ask for (crashes, fatal errors). */
  unexpectedExits(): ProcessExit[] {
    return this.exits.filter((e) => !e.requested);
  }

  /** kill -9: no flush, no commit, no leave. */
  async kill(exporter: ExporterProcess): Promise<ProcessExit> {
    exporter.signal('SIGCONT');
    exporter.signal('SIGKILL');
    return exporter.exited;
  }

  /** SIGTERM and the exit it leads to, or a failure naming the wait when the process does not exit in time. */
  async terminate(exporter: ExporterProcess, timeoutMs: number): Promise<ProcessExit> {
    exporter.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${exporter.label} did not exit within ${timeoutMs} ms of SIGTERM: ${exporter.tail()}`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exporter.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every process started so far, in start order (their logs hold what the exporters reported). */
  all(): readonly ExporterProcess[] {
    return [...this.processes];
  }

  /** Kills every process (kill -9) and stops restarting them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.live().map((p) => this.kill(p)));
  }
}

/**
 * The exporter CLI under test: the build in dist/, or FAULTS_CLI (e.g. a deliberately broken copy, to see
 * the matrix catch it).
 */
export function cliPath(): string {
  return process.env.FAULTS_CLI ?? path.join(projectRoot(), 'dist', 'runtime', 'cli', 'main.js');
}

async function probe(port: number): Promise<number | undefined> {
  return (await get(port, '/healthz')).status;
}

function get(port: number, urlPath: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 1000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.once('error', () => resolve({ status: undefined, body: '' }));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', (error) => resolve({ status: undefined, body: error.message }));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
