/**
 * The local stand-in for ECS tasks: one runtime process per task, started with the image's exact entry point
 * and the task's environment, each with its own log file and HTTP port (on ECS every task has its own
 * network interface; here they share 127.0.0.1). A service counts as steady once every process answers
 * `/healthz` with 200, like ECS's `wait_for_steady_state` with a container health check.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, own, stopProcess } from '../process';

/** One running task. */
export interface ExporterTask {
  /** 1-based number within its service. */
  readonly index: number;
  readonly pid: number;
  readonly httpPort: number;
  /** stdout and stderr of the process. */
  readonly logFile: string;
  /** Exit code or signal once it has ended, `undefined` while it runs. */
  exit(): string | undefined;
}

export interface StartTasksOptions {
  /** The service's address, used to name log files. */
  readonly service: string;
  readonly count: number;
  /** The task's environment (plain variables and resolved secrets). */
  readonly environment: Readonly<Record<string, string>>;
  /** Values that secrets resolved to: never shown, even in a failed start's log excerpt. */
  readonly secretValues: readonly string[];
  /** Seconds to wait for /healthz. */
  readonly healthTimeoutSeconds: number;
}

export interface ExporterTasksOptions {
  /** The image's entry point: the command and its arguments (run from `workingDirectory`). */
  readonly entrypoint: readonly string[];
  readonly workingDirectory: string;
  /** Where task logs go. */
  readonly logDirectory: string;
  /** The environment variable that sets the runtime's health port. */
  readonly httpPortVariable: string;
}

interface RunningTask extends ExporterTask {
  readonly child: ChildProcess;
}

export class ExporterTasks {
  private readonly byService = new Map<string, RunningTask[]>();

  public constructor(private readonly options: ExporterTasksOptions) {}

  /** The tasks of a service (empty when it has none). */
  public tasksOf(service: string): readonly ExporterTask[] {
    return this.byService.get(service) ?? [];
  }

  /** Every service that has tasks. */
  public services(): string[] {
    return [...this.byService.keys()];
  }

  /** Starts `count` tasks and waits until each is healthy; on failure stops them and throws with the log tail. */
  public async start(options: StartTasksOptions): Promise<readonly ExporterTask[]> {
    fs.mkdirSync(this.options.logDirectory, { recursive: true });
    const tasks: RunningTask[] = [];
    this.byService.set(options.service, tasks);
    for (let index = 1; index <= options.count; index++) {
      tasks.push(await this.spawnTask(options, index));
    }
    try {
      await Promise.all(tasks.map((task) => this.waitHealthy(task, options)));
    } catch (error) {
      await this.stop(options.service);
      throw error;
    }
    return tasks;
  }

  /** Stops a service's tasks with SIGTERM (the runtime flushes, commits and leaves the group). */
  public async stop(service: string): Promise<readonly ExporterTask[]> {
    const tasks = this.byService.get(service) ?? [];
    this.byService.delete(service);
    // A graceful stop flushes the current interval; give it time before SIGKILL.
    await Promise.all(tasks.map((task) => stopProcess(task.child, 30_000)));
    return tasks;
  }

  /** Stops every task of every service. */
  public async stopAll(): Promise<void> {
    await Promise.all(this.services().map((s) => this.stop(s)));
  }

  private async spawnTask(options: StartTasksOptions, index: number): Promise<RunningTask> {
    const [command, ...args] = this.options.entrypoint;
    const httpPort = await freePort();
    const logFile = path.join(
      this.options.logDirectory,
      `${options.service.replace(/[^\w.-]+/g, '_')}-task-${index}.log`,
    );
    const log = fs.openSync(logFile, 'w');
    const child = own(
      spawn(command, args, {
        cwd: this.options.workingDirectory,
        // A container sees only its task's environment, not the developer's shell (no stray AWS_* keys).
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...options.environment,
          [this.options.httpPortVariable]: String(httpPort),
        },
        stdio: ['ignore', log, log],
      }),
    );
    fs.closeSync(log);
    let exit: string | undefined;
    child.once('exit', (code, signal) => {
      exit = code !== null ? `exit code ${code}` : `signal ${signal}`;
    });
    return { index, pid: child.pid!, httpPort, logFile, child, exit: () => exit };
  }

  private async waitHealthy(task: RunningTask, options: StartTasksOptions): Promise<void> {
    const deadline = Date.now() + options.healthTimeoutSeconds * 1000;
    for (;;) {
      const ended = task.exit();
      if (ended !== undefined) {
        throw new Error(
          `task ${task.index} of ${options.service} ended (${ended}) before it was healthy. ` +
            `Its output (${task.logFile}) ends with:\n${logTail(task.logFile, options.secretValues)}`,
        );
      }
      if ((await healthStatus(task.httpPort)) === 200) return;
      if (Date.now() > deadline) {
        throw new Error(
          `task ${task.index} of ${options.service} did not answer /healthz on port ${task.httpPort} with 200 ` +
            `within ${options.healthTimeoutSeconds} s. Its output (${task.logFile}) ends with:\n` +
            logTail(task.logFile, options.secretValues),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function healthStatus(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', () => resolve(undefined));
    request.on('timeout', () => {
      request.destroy();
      resolve(undefined);
    });
  });
}

/** The last lines of a log, with any secret value masked (the runtime should never print one). */
export function logTail(file: string, secrets: readonly string[], lines = 15): string {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('<secret>');
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `  | ${line}`)
    .join('\n');
}
