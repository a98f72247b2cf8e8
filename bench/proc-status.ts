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
