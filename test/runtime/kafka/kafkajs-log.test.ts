import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { kafkaJsLevel, pinoLogCreator } from '../../../runtime/kafka/kafkajs-log';
import { repeatedKeys, topLevelKeys } from '../support/json-keys';

function capture(level: pino.Level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level, base: { exporter: 'clicks' } }, stream).child({ component: 'exporter' });
  return { logger, lines };
}

describe('pinoLogCreator', () => {
  test("routes kafkajs' lines to pino at their level, with kafkajs' fields and no key twice", () => {
    const { logger, lines } = capture();
    const log = pinoLogCreator(logger)(logLevel.INFO);
    const entry = (level: logLevel, message: string) =>
      log({
        namespace: 'Consumer',
        level,
        label: 'ERROR',
        log: { timestamp: '2026-11-27T12:00:00.000Z', logger: 'kafkajs', message, groupId: 'g' },
      });
    entry(logLevel.ERROR, 'Offset out of range, resetting to default offset');
    entry(logLevel.WARN, 'The group is rebalancing, re-joining');
    entry(logLevel.DEBUG, 'Fetching from 1 broker');
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.map((l) => [l.level, l.msg, l.logger, l.groupId])).toEqual([
      [50, 'Offset out of range, resetting to default offset', 'kafkajs', 'g'],
      [40, 'The group is rebalancing, re-joining', 'kafkajs', 'g'],
    ]);
    expect(lines.map(repeatedKeys)).toEqual([[], []]);
    expect(topLevelKeys(lines[0])).toEqual(
      expect.arrayContaining(['exporter', 'component', 'logger', 'timestamp', 'groupId', 'msg']),
    );
  });

  test('asks kafkajs for info-level chatter only when the exporter logs debug', () => {
    expect(kafkaJsLevel(capture('info').logger)).toBe(logLevel.WARN);
    expect(kafkaJsLevel(capture('debug').logger)).toBe(logLevel.INFO);
  });
});
