/**
 * Where the CPU of a measurement window goes: CPU seconds (user + system, /proc/<pid>/stat, children
 * excluded) of the exporter processes, the broker's JVM, the S3 server, the bench process itself and (in the
 * sustained step) the `kcat -P` producer, and the machine's busy CPU (/proc/stat), between two snapshots; per GB of record values and as cores. From the
 * parties in the exporter's data path it derives what this machine could drain if CPU were the only limit:
 * `cpuCeilingEventsPerSecond` = cores ÷ the data path's summed CPU s/GB, in events at the window's bytes per
 * event. `exporterVsCpuCeiling` is the exporter's events/s ÷ that ceiling, i.e. the share of the machine's
 * cores the data path kept busy.
 */
import fs from 'node:fs';
import os from 'node:os';
import { cpuSeconds, perGigabyte } from './proc-status';
import { round } from './throughput';

export const CPU_PARTIES = ['exporter', 'broker', 's3Server', 'bench', 'producer'] as const;
export type CpuParty = (typeof CPU_PARTIES)[number];

/** The processes of the bench's services, as far as it knows them (an external broker has no pid here). */
export interface CpuPartyPids {
  readonly brokerPid?: number;
  readonly s3ServerPid?: number;
  /**
   * True when the bench process relays the exporters' PUT bodies (the pass-through recorder, `--s3 moto`):
   * then it is part of the data path.
   */
  readonly benchInDataPath: boolean;
}

export interface CpuSnapshot {
  /** performance.now() of the snapshot. */
  readonly at: number;
  /** CPU seconds so far per party; null when the party has no process the bench can read. */
  readonly seconds: Readonly<Record<CpuParty, number | null>>;
  /** Busy CPU seconds of the whole machine so far (every core: user, nice, system, irq, softirq, steal). */
  readonly machineBusySeconds: number;
}

export interface PartyCpu {
  readonly cpuSeconds: number | null;
  readonly cpuSecondsPerGb: number | null;
  /** CPU seconds ÷ the window's wall seconds. */
  readonly cores: number | null;
}

export interface CpuShares {
  /** The window's wall seconds. */
  readonly seconds: number;
  readonly exporter: PartyCpu;
  readonly broker: PartyCpu;
  readonly s3Server: PartyCpu;
  readonly bench: PartyCpu;
  /** The sustained step's `kcat -P` (not in the data path: it competes for the same cores). Null fields elsewhere. */
  readonly producer: PartyCpu;
  /** Everything busy on the machine, these parties and anything else. */
  readonly machine: PartyCpu;
  /** The machine's cores (os.availableParallelism()). */
  readonly machineCores: number;
  /** The parties every record passes through in this window: their CPU s/GB are summed for the ceiling. */
  readonly dataPath: readonly CpuParty[];
  readonly dataPathCpuSecondsPerGb: number | null;
  /** machineCores ÷ dataPathCpuSecondsPerGb, in events/s: the drain rate if CPU were the only limit. */
  readonly cpuCeilingEventsPerSecond: number | null;
  /** The exporter's events/s ÷ cpuCeilingEventsPerSecond. */
  readonly exporterVsCpuCeiling: number | null;
}

const TICKS_PER_SECOND = 100;

/** Busy CPU seconds of every core so far, from the first line of /proc/stat. */
function machineBusySeconds(): number {
  const first = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / TICKS_PER_SECOND;
}

export function cpuSnapshot(
  pids: CpuPartyPids,
  exporterPids: readonly number[],
  producerPid?: number,
): CpuSnapshot {
  const of = (pid: number | undefined) => (pid === undefined ? null : (cpuSeconds(pid) ?? null));
  const exporters = exporterPids.map(of);
  return {
    at: performance.now(),
    seconds: {
      exporter: exporters.some((s) => s === null) ? null : exporters.reduce((a, s) => a! + s!, 0),
      broker: of(pids.brokerPid),
      s3Server: of(pids.s3ServerPid),
      bench: of(process.pid),
      producer: of(producerPid),
    },
    machineBusySeconds: machineBusySeconds(),
  };
}

/**
 * The window between two snapshots, for `valueBytes` of record values in `events` events, the exporter
 * draining (or keeping up with) them at `exporterEventsPerSecond`.
 */
export function cpuShares(
  pids: CpuPartyPids,
  from: CpuSnapshot,
  to: CpuSnapshot,
  work: { readonly events: number; readonly valueBytes: number; readonly exporterEventsPerSecond: number },
): CpuShares {
  const seconds = (to.at - from.at) / 1000;
  const party = (used: number | null): PartyCpu =>
    used === null || seconds <= 0 || work.valueBytes <= 0
      ? { cpuSeconds: used === null ? null : round(used, 2), cpuSecondsPerGb: null, cores: null }
      : {
          cpuSeconds: round(used, 2),
          cpuSecondsPerGb: perGigabyte(used, work.valueBytes),
          cores: round(used / seconds, 3),
        };
  const delta = (name: CpuParty) => {
    const [a, b] = [from.seconds[name], to.seconds[name]];
    return a === null || b === null ? null : b - a;
  };
  const parties = Object.fromEntries(CPU_PARTIES.map((name) => [name, party(delta(name))])) as Record<
    CpuParty,
    PartyCpu
  >;
  const dataPath: CpuParty[] = [
    'exporter',
    'broker',
    's3Server',
    ...(pids.benchInDataPath ? ['bench' as const] : []),
  ];
  const perGb = dataPath.map((name) => parties[name].cpuSecondsPerGb);
  const dataPathCpuSecondsPerGb = perGb.some((v) => v === null)
    ? null
    : round(
        perGb.reduce((a, v) => a! + v!, 0)!,
        3,
      );
  const machineCores = os.availableParallelism();
  const ceiling =
    dataPathCpuSecondsPerGb && work.events > 0
      ? Math.round(((machineCores / dataPathCpuSecondsPerGb) * 1e9) / (work.valueBytes / work.events))
      : null;
  return {
    seconds: round(seconds, 3),
    ...parties,
    machine: party(to.machineBusySeconds - from.machineBusySeconds),
    machineCores,
    dataPath,
    dataPathCpuSecondsPerGb,
    cpuCeilingEventsPerSecond: ceiling,
    exporterVsCpuCeiling: ceiling ? round(work.exporterEventsPerSecond / ceiling, 3) : null,
  };
}
