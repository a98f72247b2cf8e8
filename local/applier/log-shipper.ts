/**
 * The `awslogs` log driver, locally: a task's output (its log file) is sent to the log group its task
 * definition names, on moto's CloudWatch Logs, in a stream named as ECS names it
 * (`<prefix>/<container>/<task id>`), so `aws logs tail <group>` shows the exporter's logs. A failure to ship
 * is reported once and never stops the task.
 */
import fs from 'node:fs';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

export interface LogDestination {
  readonly client: CloudWatchLogsClient;
  readonly group: string;
  readonly stream: string;
}

const SHIP_EVERY_MS = 1000;

export class LogShipper {
  private offset = 0;
  private partial = '';
  private timer?: NodeJS.Timeout;
  private created = false;
  private failed = false;
  private running: Promise<void> = Promise.resolve();

  public constructor(
    private readonly file: string,
    private readonly destination: LogDestination,
    private readonly onProblem: (text: string) => void,
  ) {}

  public start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.ship());
    }, SHIP_EVERY_MS);
  }

  /** Ships what is left and stops. */
  public async stop(): Promise<void> {
    clearInterval(this.timer);
    this.running = this.running.then(() => this.ship(true));
    await this.running;
  }

  private async ship(final = false): Promise<void> {
    if (this.failed) return;
    const lines = this.newLines(final);
    if (lines.length === 0) return;
    try {
      const { client, group, stream } = this.destination;
      if (!this.created) {
        await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
        this.created = true;
      }
      const now = Date.now();
      await client.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          logEvents: lines.map((message) => ({ message, timestamp: now })),
        }),
      );
    } catch (error) {
      this.failed = true;
      this.onProblem(
        `cannot ship ${this.file} to log group ${this.destination.group}: ${(error as Error).message}; ` +
          'the task keeps running and its log file stays complete',
      );
    }
  }

  /** Complete lines appended since the last call (with `final`, also an unterminated last line). */
  private newLines(final: boolean): string[] {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch {
      return [];
    }
    if (size > this.offset) {
      const fd = fs.openSync(this.file, 'r');
      const buffer = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buffer, 0, buffer.length, this.offset);
      fs.closeSync(fd);
      this.offset = size;
      this.partial += buffer.toString('utf8');
    }
    const lines = this.partial.split('\n');
    this.partial = final ? '' : lines.pop()!;
    return lines.filter((line) => line !== '');
  }
}
