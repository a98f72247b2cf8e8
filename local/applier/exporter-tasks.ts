/**
 * The local stand-in for ECS tasks: one runtime process per task, started with the image's exact entry point
 * and the task's environment, each with its own log file and HTTP port (on ECS every task has its own
 * network interface; here they share 127.0.0.1). A service counts as steady once every process answers
 * `/healthz` with 200, like ECS's `wait_for_steady_state` with a container health check. Like the ECS
 * service scheduler, a task that stops on its own is replaced, up to a limit (the deployment circuit
 * breaker's role); every replacement is reported.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, own, stopProcess } from '../process';
import { LogDestination, LogShipper } from './log-shipper';

/** One task (its current process). */
export interface ExporterTask {
  /** 1-based number within its service. */
  readonly index: number;
  /** The current process (a replacement has a new pid). */
  readonly pid: number;
  readonly httpPort: number;
  /** stdout and stderr of the task's processes, replacements appended. */
  readonly logFile: string;
  /** How many times the task was replaced after its process stopped on its own. */
  readonly replacements: number;
  /** Exit code or signal of the current process once it has ended, `undefined` while it runs. */
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
  /** Seconds to wait for the task to be healthy. */
  readonly healthTimeoutSeconds: number;
  /**
   * The container's health check command (ECS `healthCheck.command` without its `CMD` marker), run in the
   * task's environment; exit 0 means healthy.
   * @default - GET /healthz on the task's port answers 200
   */
  readonly healthCommand?: readonly string[];
  /**
   * Where each task's output is also sent (the task definition's `awslogs` configuration).
   * @default - only the local log file
   */
  readonly logDestination?: (task: number) => LogDestination;
  /**
   * Seconds between SIGTERM and SIGKILL on stop (the container's `stopTimeout`).
   * @default 30 (ECS's default)
   */
  readonly stopTimeoutSeconds?: number;
}

export interface ExporterTasksOptions {
  /** The image's entry point: the command and its arguments (run from `workingDirectory`). */
  readonly entrypoint: readonly string[];
  readonly workingDirectory: string;
  /** Where task logs go. */
  readonly logDirectory: string;
  /** The environment variable that sets the runtime's health port. */
  readonly httpPortVariable: string;
  /**
   * Replacements per task before the service is given up on.
   * @default 3
   */
  readonly maxReplacements?: number;
  /** Told when a task's process stops on its own and when it is replaced. */
  readonly onTaskEvent?: (text: string) => void;
}

class RunningTask implements ExporterTask {
  public child!: ChildProcess;
  public replacements = 0;
  public stopping = false;
  public failed?: string;
  public shipper?: LogShipper;
  public stopTimeoutSeconds = 30;
  private ended?: string;

  public constructor(
    public readonly index: number,
    public readonly httpPort: number,
    public readonly logFile: string,
  ) {}

  public get pid(): number {
    return this.child.pid ?? -1;
  }

  public exit(): string | undefined {
    return this.ended;
  }

  public attach(child: ChildProcess, onEnd: (ended: string) => void): void {
    this.child = child;
    this.ended = undefined;
    child.once('exit', (code, signal) => {
      this.ended = code !== null ? `exit code ${code}` : `signal ${signal}`;
      onEnd(this.ended);
    });
  }
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
      const logFile = path.join(
        this.options.logDirectory,
        `${options.service.replace(/[^\w.-]+/g, '_')}-task-${index}.log`,
      );
      const task = new RunningTask(index, await freePort(), logFile);
      task.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 30;
      fs.writeFileSync(logFile, '');
      if (options.logDestination !== undefined) {
        task.shipper = new LogShipper(logFile, options.logDestination(index), (text) =>
          this.options.onTaskEvent?.(text),
        );
        task.shipper.start();
      }
      this.launch(task, options);
      tasks.push(task);
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
    for (const task of tasks) task.stopping = true;
    // A graceful stop flushes the current interval; like ECS, SIGKILL only after the container's stopTimeout.
    await Promise.all(tasks.map((task) => stopProcess(task.child, task.stopTimeoutSeconds * 1000)));
    await Promise.all(tasks.map((task) => task.shipper?.stop()));
    return tasks;
  }

  /** Stops every task of every service. */
  public async stopAll(): Promise<void> {
    await Promise.all(this.services().map((s) => this.stop(s)));
  }

  private launch(task: RunningTask, options: StartTasksOptions): void {
    const [command, ...args] = this.options.entrypoint;
    const log = fs.openSync(task.logFile, 'a');
    const child = own(
      spawn(command, args, {
        cwd: this.options.workingDirectory,
        env: this.environmentOf(task, options),
        stdio: ['ignore', log, log],
      }),
    );
    fs.closeSync(log);
    const pid = child.pid;
    task.attach(child, (ended) => {
      if (task.stopping) return;
      const limit = this.options.maxReplacements ?? 3;
      const what = `task ${task.index} of ${options.service} (pid ${pid}) stopped on its own (${ended})`;
      if (task.replacements >= limit) {
        task.failed = `${what}; not replaced: it was already replaced ${limit} times`;
        this.options.onTaskEvent?.(task.failed);
        return;
      }
      task.replacements++;
      this.launch(task, options);
      this.options.onTaskEvent?.(
        `${what}; replaced it like the ECS scheduler would (pid ${task.pid}, replacement ${task.replacements} of at most ${limit})`,
      );
    });
  }

  /** A container sees only its task's environment, not the developer's shell (no stray AWS_* keys). */
  private environmentOf(task: RunningTask, options: StartTasksOptions): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...options.environment,
      [this.options.httpPortVariable]: String(task.httpPort),
    };
  }

  private async isHealthy(task: RunningTask, options: StartTasksOptions): Promise<boolean> {
    if (options.healthCommand === undefined) return (await healthStatus(task.httpPort)) === 200;
    const [command, ...args] = options.healthCommand;
    return new Promise((resolve) => {
      execFile(
        command,
        [...args],
        { cwd: this.options.workingDirectory, env: this.environmentOf(task, options), timeout: 10_000 },
        (error) => resolve(error === null),
      );
    });
  }

  private async waitHealthy(task: RunningTask, options: StartTasksOptions): Promise<void> {
    const deadline = Date.now() + options.healthTimeoutSeconds * 1000;
    for (;;) {
      if (task.failed !== undefined) {
        throw new Error(
          `${task.failed}. Its output (${task.logFile}) ends with:\n${logTail(task.logFile, options.secretValues)}`,
        );
      }
      if (task.exit() === undefined && (await this.isHealthy(task, options))) return;
      if (Date.now() > deadline) {
        const check = options.healthCommand?.join(' ') ?? `GET /healthz on port ${task.httpPort}`;
        throw new Error(
          `task ${task.index} of ${options.service} was not healthy (${check}) within ` +
            `${options.healthTimeoutSeconds} s. Its output (${task.logFile}) ends with:\n` +
            logTail(task.logFile, options.secretValues),
        );
      }
      // The health command starts a process each time: poll it less often than the HTTP probe.
      await new Promise((resolve) => setTimeout(resolve, options.healthCommand === undefined ? 200 : 1000));
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
