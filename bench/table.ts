/** The text report `npm run bench` prints: every measurement with its ratio against kcat on the same topic. */
import type { CpuShares } from './cpu-parties';
import type { BenchResults } from './results';
import { formatS3Ceiling } from './s3-ceiling';

function table(headers: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}

const ratio = (value: number, limit: number) => `${(value / limit).toFixed(2)}x`;
const int = (value: number) => Math.round(value).toLocaleString('en-US');

export function formatReport(results: BenchResults): string {
  const { main, growth } = results;
  const mainTopic = results.topics.find((t) => t.topic === main.exporter.topic);
  const sections: string[] = [];
  sections.push(
    `Steady state: ${main.exporter.partitions} partitions, ${int(main.kcat.events)} events` +
      (mainTopic ? `, ${(mainTopic.valueBytes / 1e6).toFixed(1)} MB` : '') +
      `, exporter interval ${main.exporter.intervalSeconds} s (exporter: first assignment -> last commit)\n` +
      table(
        [
          'consumer',
          'events/s',
          'MB/s',
          'vs kcat',
          'seconds',
          'CPU s/GB',
          'CPU s/GB w/ start-up',
          'peak RSS MiB',
        ],
        [
          ['kcat -C -e (limit)', main.kcat, main.kcat.cpuSecondsPerGb, null],
          [
            'bare kafkajs group',
            main.kafkajs,
            main.kafkajs.cpuSecondsPerGbIncludingStartup,
            main.kafkajs.peakRssMb,
          ],
          [
            'bare native group',
            main.native,
            main.native.cpuSecondsPerGbIncludingStartup,
            main.native.peakRssMb,
          ],
          [
            'exporter kafkajs (stored+committed)',
            main.exporter,
            main.exporter.cpuSecondsPerGbIncludingStartup,
            main.exporter.peakRssMb,
          ],
          [
            'exporter native (stored+committed)',
            main.exporterNative,
            main.exporterNative.cpuSecondsPerGbIncludingStartup,
            main.exporterNative.peakRssMb,
          ],
        ].map(([name, run, cpuWithStartup, rss]) => {
          const r = run as typeof main.kcat | typeof main.kafkajs | typeof main.exporter;
          return [
            name as string,
            int(r.eventsPerSecond),
            r.megabytesPerSecond,
            ratio(r.eventsPerSecond, main.kcat.eventsPerSecond),
            r.seconds,
            r.cpuSecondsPerGb,
            cpuWithStartup as number,
            rss as number | null,
          ];
        }),
      ),
  );
  sections.push(
    'Start-up (seconds from spawn; main runs)\n' +
      table(
        [
          'exporter',
          'process started',
          'group joined',
          'first object stored',
          'events/s incl. start-up',
          'vs kcat',
        ],
        [main.exporter, main.exporterNative].map((run) => [
          run.client,
          run.startup.processStartedSeconds,
          run.startup.groupJoinedSeconds,
          run.startup.firstObjectStoredSeconds,
          int(run.eventsPerSecondIncludingStartup),
          ratio(run.eventsPerSecondIncludingStartup, main.kcat.eventsPerSecond),
        ]),
      ),
  );
  if (results.peer) {
    const { peer } = results;
    sections.push(
      `Peer: Kafka Connect ${peer.version} + Camel S3 sink, ${int(peer.events)} events ` +
        '(from its assignment; weaker guarantee: a crash can lose records its aggregator holds)\n' +
        table(
          [
            'consumer',
            'events/s',
            'MB/s',
            'seconds',
            's from JVM start',
            'CPU s/GB',
            'peak RSS MiB',
            'exporter ÷ peer',
          ],
          [
            [
              'kafka-connect peer',
              int(peer.eventsPerSecond),
              peer.mbPerSecond,
              peer.seconds,
              peer.secondsFromStart,
              peer.cpuSecondsPerGb,
              peer.peakRssMb,
              results.exporterVsPeer
                ? `kafkajs ${results.exporterVsPeer.kafkajs}x, native ${results.exporterVsPeer.native}x`
                : null,
            ],
          ],
        ),
    );
  }
  if (results.sustained.length > 0) {
    sections.push(
      'Maximum sustained rate (lag must stay below two intervals of production for the hold)\n' +
        table(
          [
            'client',
            'target ev/s',
            'produced ev/s',
            'MB/s',
            'held s',
            'max lag s',
            'limit s',
            'sustained',
            'CPU s/GB',
            'p99 ms',
          ],
          results.sustained.flatMap((run) =>
            run.steps.map((step) => [
              run.client,
              int(step.targetEventsPerSecond),
              int(step.producedEventsPerSecond),
              step.producedMegabytesPerSecond,
              step.heldSeconds,
              step.maxLagSeconds,
              run.lagLimitSeconds,
              step.sustained ? 'yes' : 'NO',
              step.cpuSecondsPerGb,
              step.flushLatency.p99Ms,
            ]),
          ),
        ),
    );
  }
  sections.push(formatCpuShares(results));
  sections.push(
    'Growth: partitions (same total events)\n' +
      table(
        [
          'partitions',
          'events',
          'kcat ev/s',
          'kafkajs ev/s',
          'exporter ev/s',
          'exporter vs kcat',
          'exporter RSS MiB',
          'p99 ms',
        ],
        growth.partitions.map((p) => [
          p.partitions,
          int(p.kcat.events),
          int(p.kcat.eventsPerSecond),
          int(p.kafkajs.eventsPerSecond),
          int(p.exporter.eventsPerSecond),
          ratio(p.exporter.eventsPerSecond, p.kcat.eventsPerSecond),
          p.exporter.peakRssMb,
          p.exporter.flushLatency.p99Ms,
        ]),
      ),
  );
  sections.push(
    `Growth: exporter processes in one group (${growth.consumers[0]?.topic ?? 'sweep topic'})\n` +
      table(
        ['consumers', 'events/s', 'MB/s', 'vs kcat', 'peak RSS MiB (max)', 'p99 ms'],
        growth.consumers.map((run) => [
          run.consumers,
          int(run.eventsPerSecond),
          run.megabytesPerSecond,
          ratio(run.eventsPerSecond, main.kcat.eventsPerSecond),
          run.peakRssMb,
          run.flushLatency.p99Ms,
        ]),
      ),
  );
  sections.push(
    `Growth: interval (${growth.intervals[0]?.topic ?? 'sweep topic'}, maxObjectBytes ${(main.exporter.maxObjectBytes / 1024 ** 2).toFixed(0)} MiB)\n` +
      table(
        [
          'interval s',
          'events/s',
          'vs kcat',
          'peak RSS MiB',
          'objects',
          'largest object MiB',
          'p50 ms',
          'p99 ms',
        ],
        growth.intervals.map((run) => [
          run.intervalSeconds,
          int(run.eventsPerSecond),
          ratio(run.eventsPerSecond, main.kcat.eventsPerSecond),
          run.peakRssMb,
          run.stored.dataObjects,
          (run.stored.largestObjectBytes / 1024 ** 2).toFixed(1),
          run.flushLatency.p50Ms,
          run.flushLatency.p99Ms,
        ]),
      ),
  );
  if (results.s3Ceiling.length > 0) {
    sections.push(
      `S3 side's own PUT ceiling (runtime store, If-None-Match: *)\n${formatS3Ceiling(results.s3Ceiling)}`,
    );
  }
  if (growth.synth.length > 0) {
    sections.push(
      'Growth: synth\n' +
        table(
          ['exporters', 'synth s', 'build+synth s', 'process s', 'resources'],
          growth.synth.map((s) => [s.exporters, s.synthSeconds, s.seconds, s.processSeconds, s.resources]),
        ),
    );
  }
  sections.push(
    'Targets\n' +
      table(
        ['number', 'target', 'measured', 'met'],
        results.targets.map((t) => [
          t.name,
          t.rule,
          t.measured,
          t.met === null ? 'not measured' : t.met ? 'yes' : 'NO',
        ]),
      ),
  );
  sections.push(
    `${results.machine.cpuModel}, ${results.machine.cores} cores, ${results.machine.memoryGb} GB, node ${results.machine.node}, ` +
      `kcat ${results.machine.kcat} (librdkafka ${results.machine.librdkafka}), ${results.machine.broker}, S3: ${results.machine.s3}; ${results.date}; ${results.durationSeconds} s; ` +
      `load average ${results.loadAverage.atStart.join(' ')} at start, ${results.loadAverage.atEnd.join(' ')} at end`,
  );
  return sections.join('\n\n');
}

/** Where the CPU goes per drain window (main runs) and sustained hold, with the CPU-bound ceiling. */
function formatCpuShares(results: BenchResults): string {
  const { main } = results;
  const windows: [string, number, CpuShares][] = [
    ['main kafkajs', main.exporter.eventsPerSecond, main.exporter.cpuShares],
    ['main native', main.exporterNative.eventsPerSecond, main.exporterNative.cpuShares],
    ...results.sustained.flatMap((run) =>
      run.steps.map((step): [string, number, CpuShares] => [
        `sustained ${run.client} ${int(step.targetEventsPerSecond)}`,
        step.producedEventsPerSecond,
        step.cpuShares,
      ]),
    ),
  ];
  const cores = (shares: CpuShares) =>
    (['exporter', 'broker', 's3Server', 'bench', 'producer', 'machine'] as const).map(
      (party) => shares[party].cores,
    );
  return (
    `Where the CPU goes (cores busy over each window; CPU ceiling = ${windows[0][2].machineCores} cores / the data path's CPU s/GB)\n` +
    table(
      [
        'window',
        'events/s',
        'exporter',
        'broker',
        'S3 server',
        'bench',
        'kcat -P',
        'machine',
        'data path CPU s/GB',
        'CPU ceiling ev/s',
        'vs ceiling',
      ],
      windows.map(([name, eventsPerSecond, shares]) => [
        name,
        int(eventsPerSecond),
        ...cores(shares),
        shares.dataPathCpuSecondsPerGb,
        shares.cpuCeilingEventsPerSecond === null ? null : int(shares.cpuCeilingEventsPerSecond),
        shares.exporterVsCpuCeiling,
      ]),
    )
  );
}
