import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { installQuietRequestQueue } from '../../../runtime/kafka/kafkajs-request-queue';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => Queue;

function queue(): Queue {
  const quiet = () => undefined;
  return new RequestQueue({
    instrumentationEmitter: undefined,
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
}

/** stderr of a fresh Node process (the warning is printed once per process) that checks an idle queue. */
function idleQueueStderr(fixed: boolean): string {
  const root = projectRoot();
  const script = `
    ${fixed ? `require(${JSON.stringify(path.join(root, 'dist/runtime/kafka/kafkajs-request-queue.js'))}).installQuietRequestQueue();` : ''}
    const RequestQueue = require('kafkajs/src/network/requestQueue');
    const quiet = () => undefined;
    const queue = new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30000, clientId: 't', broker: 'b',
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet } });
    queue.checkPendingRequests();
    setTimeout(() => { queue.destroy(); }, 30);`;
  const run = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  expect(run.status).toBe(0);
  return run.stderr;
}

describe("kafkajs' request queue check (runtime/kafka/kafkajs-request-queue.ts)", () => {
  afterEach(() => jest.useRealTimers());

  test('an idle connection sets no timer, so Node prints no TimeoutNegativeWarning', () => {
    installQuietRequestQueue();
    const idle = queue();
    idle.checkPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  test('kafkajs without it warns on this Node line; with it a fresh process prints nothing', () => {
    expect(idleQueueStderr(false)).toContain('TimeoutNegativeWarning');
    expect(idleQueueStderr(true)).toBe('');
  });

  test('a request waiting on the in-flight limit is re-checked after 10 ms, as kafkajs does', () => {
    jest.useFakeTimers();
    const waiting = queue();
    const check = jest.spyOn(waiting, 'checkPendingRequests').mockImplementation(() => undefined);
    waiting.pending.push({});
    waiting.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(9);
    expect(check).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
    expect(waiting.throttleCheckTimeoutId).toBeNull();
  });

  test('a throttled queue is re-checked when the broker-requested throttle ends', () => {
    jest.useFakeTimers();
    const throttled = queue();
    const check = jest.spyOn(throttled, 'checkPendingRequests').mockImplementation(() => undefined);
    throttled.throttledUntil = Date.now() + 250;
    throttled.pending.push({});
    throttled.scheduleCheckPendingRequests();
    throttled.scheduleCheckPendingRequests(); // one timer at a time
    jest.advanceTimersByTime(249);
    expect(check).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
  });

  test('refuses a kafkajs whose request queue changed shape, naming the file to check', () => {
    jest.isolateModules(() => {
      jest.doMock('kafkajs/src/network/requestQueue', () => class ChangedRequestQueue {});
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const changed = require('../../../runtime/kafka/kafkajs-request-queue') as {
        installQuietRequestQueue: () => void;
      };
      expect(() => changed.installQuietRequestQueue()).toThrow(
        'kafkajs no longer has network/requestQueue scheduleCheckPendingRequests: check ' +
          'runtime/kafka/kafkajs-request-queue.ts against the installed kafkajs before running the exporter.',
      );
    });
  });
});
