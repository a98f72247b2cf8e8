import fs from 'node:fs';

/**
 * Peak resident set size of a running process in MB (MiB), from `VmHWM` in /proc/<pid>/status: the kernel's
 * high-water mark, so short peaks between samples are not missed. Undefined when the process is gone.
 */
export function peakRssMb(pid: number): number | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux the bench runs on). */
const TICKS_PER_SECOND = 100;

/** The fields of a /proc/<pid>/stat line after `pid (comm)`: field n (1-based, as in proc(5)) is [n - 3]. */
function statFields(stat: string): string[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
}

/** CPU seconds (user + system) a running process used so far, from /proc; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = statFields(stat);
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND;
}

/** CPU seconds (user + system) of the waited-for children in a /proc/<pid>/stat line (cutime + cstime). */
export function childrenCpuSeconds(stat: string): number {
  const fields = statFields(stat);
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / TICKS_PER_SECOND;
}

/** CPU seconds per GB (10^9 bytes) of record values. */
export function perGigabyte(seconds: number, valueBytes: number): number {
  return Math.round((seconds / (valueBytes / 1e9)) * 1000) / 1000;
}

/**
 * CPU seconds (user + system) per thread name of a running process so far, from /proc/<pid>/task/*: where
 * the process's CPU goes beyond the JavaScript thread a V8 profile sees (librdkafka's `rdk:*` threads,
 * libuv's workers, V8's GC helpers). Names ending in digits are summed (`rdk:broker1` -> `rdk:broker`).
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const task of tasks) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
    const fields = statFields(stat);
    const seconds = (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND;
    byName[name] = Math.round(((byName[name] ?? 0) + seconds) * 100) / 100;
  }
  return byName;
}
