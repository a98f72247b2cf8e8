import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { DEFAULT_DEMO_OPTIONS, parseDemoOptions } from '../../local/demo/options';
import { DemoOutput, runDemo } from '../../local/demo/run';
import { projectRoot } from '../../local/project-root';

/** Output captured as lines; producing progress is recorded, not drawn. */
function captured(): DemoOutput & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    line: (text = '') => lines.push(text),
    progress: () => ({ update: () => undefined, stop: () => undefined }),
  };
}

const LISTING_LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +(\d+) (\S+)$/;
const DATA_KEY = /^events\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-stream-demo---(\d+(?:-\d+)*)\.jsonl$/;
const VALIDATION_KEY = /^events\/\.strm_test_[0-9a-f-]{36}\.jsonl$/;

// Each demo run starts its own Kafka and moto; the timeouts are hang guards on a shared machine, not limits.
describe('npm run demo', () => {
  test('runs non-interactively as a process and ends with one PASS verdict after listing the files', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'dist/local/demo/main.js',
        '--yes',
        '--consumers',
        '1',
        '--duration',
        '4',
        '--events-per-second',
        '50',
        '--interval',
        '2',
      ],
      { cwd: projectRoot(), maxBuffer: 10 * 1024 * 1024 },
    );
    const lines = stdout.trimEnd().split('\n');

    expect(lines[lines.length - 1]).toMatch(
      /^VERDICT: PASS: events produced 200 = events exported 200, duplicates 0; \d+ data objects and \d+ validation object\(s\) read back$/,
    );
    expect(lines.filter((l) => l.startsWith('VERDICT'))).toHaveLength(1);
    const listing = lines
      .slice(lines.findIndex((l) => l.startsWith('$ aws s3 ls --recursive s3://batch-export-demo-')) + 1)
      .filter((l) => LISTING_LINE.test(l))
      .map((l) => LISTING_LINE.exec(l)!);
    const validation = listing.filter(([, , key]) => VALIDATION_KEY.test(key));
    const data = listing.filter(([, , key]) => DATA_KEY.test(key));
    // One from the deploy-time validation, one per exporter process start (a replaced task writes another).
    expect(validation.length).toBeGreaterThanOrEqual(2);
    expect(validation.every(([, size]) => size === '0')).toBe(true);
    expect(data.length).toBeGreaterThan(0);
    expect(data.every(([, size]) => Number(size) > 0)).toBe(true);
    // One consumer owns every partition: an object names the partitions that had events in its interval.
    const named = data.map(([, , key]) => DATA_KEY.exec(key)![1]);
    expect(named).toContain('0-1-2-3-4');
    expect(named.every((p) => p.split('-').every((n) => Number(n) >= 0 && Number(n) <= 4))).toBe(true);
    expect(listing).toHaveLength(validation.length + data.length);
    // The first event of a file, pretty-printed: the seed's clickstream shape.
    expect(stdout).toMatch(/\| head -1\n\{\n {2}"strmMeta": \{\n {4}"schemaId": "clickstream",/);
    // Teardown in destroy order: the exporter's processes first, the sink before the key, the user last.
    const teardown = lines.slice(lines.findIndex((l) => l.startsWith('8. Tearing down')) + 1);
    const at = (name: string) => teardown.findIndex((l) => l.includes(` ${name} (`));
    expect(at('Exporter/Service')).toBe(0);
    expect(teardown[0]).toMatch(/stopped 1 exporter process\(es\): task 1 \(pid \d+\): exit code 0/);
    expect(at('Sink/Credentials')).toBeLessThan(at('Writer/AccessKey'));
    expect(at('Writer/AccessKey')).toBeLessThan(at('Writer/Policy'));
    expect(at('Writer/Policy')).toBeLessThan(at('Writer/User'));
    expect(teardown[at('Bucket/Resource')]).toMatch(
      /^ {3}= .*kept bucket batch-export-demo-\w+: it holds the exported data$/,
    );
  }, 300_000);

  test('with two consumers, every interval has at most two data objects with disjoint partitions, split as the tasks report', async () => {
    const out = captured();

    const result = await runDemo(
      {
        ...DEFAULT_DEMO_OPTIONS,
        consumers: 2,
        durationSeconds: 6,
        eventsPerSecond: 100,
        intervalSeconds: 2,
        yes: true,
      },
      out,
    );

    expect(result.verdict).toMatch(
      /^VERDICT: PASS: events produced 600 = events exported 600, duplicates 0;/,
    );
    expect(out.lines[out.lines.length - 1]).toBe(result.verdict);
    expect(result.group).toHaveLength(2);
    const split = result.group.map((a) => a.partitions.join('-')).sort();
    expect([...result.group[0].partitions, ...result.group[1].partitions].sort()).toEqual([0, 1, 2, 3, 4]);
    const intervals = Object.entries(result.objectsByInterval);
    expect(intervals.length).toBeGreaterThanOrEqual(3);
    for (const [, lists] of intervals) {
      expect(lists.length).toBeLessThanOrEqual(2);
      const all = lists.flat();
      expect(new Set(all).size).toBe(all.length);
      for (const list of lists) expect(split).toContain(list.join('-'));
    }
    // Intervals fully inside the producing window carry events of every partition: one object per consumer.
    for (const [, lists] of intervals.slice(1, -1)) {
      expect(lists.map((l) => l.join('-')).sort()).toEqual(split);
    }
    fs.rmSync(result.runDirectory, { recursive: true, force: true });
  }, 300_000);
});

describe('demo options', () => {
  test('defaults finish in about a minute: 20 s of 100 events/s, 2 consumers, 10 s interval', () => {
    expect(parseDemoOptions([])).toEqual(DEFAULT_DEMO_OPTIONS);
    expect(DEFAULT_DEMO_OPTIONS).toMatchObject({
      eventsPerSecond: 100,
      durationSeconds: 20,
      consumers: 2,
      intervalSeconds: 10,
    });
  });

  test('reads every option', () => {
    expect(
      parseDemoOptions([
        '-r',
        '10',
        '-d',
        '3',
        '-c',
        '3',
        '-i',
        '1',
        '-p',
        '6',
        '--keep',
        '--remove-bucket',
        '--yes',
      ]),
    ).toEqual({
      eventsPerSecond: 10,
      durationSeconds: 3,
      consumers: 3,
      intervalSeconds: 1,
      partitions: 6,
      keep: true,
      removeBucket: true,
      yes: true,
    });
  });
});

describe('demo options errors', () => {
  test('fails naming the option, the bad value and the allowed range', () => {
    const written: string[] = [];
    expect(() => parseDemoOptions(['--consumers', 'two'], (t) => written.push(t))).toThrow(
      /option '-c, --consumers <n>' argument 'two' is invalid. "two" is not a whole number from 1 to 16./,
    );
    expect(written.join('')).toMatch(/Usage: npm run demo --/);
  });

  test('fails on an unknown option', () => {
    expect(() => parseDemoOptions(['--fast'], () => undefined)).toThrow(/unknown option '--fast'/);
  });
});
