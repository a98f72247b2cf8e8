import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** What the numbers were measured on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
  readonly kcat: string;
  readonly librdkafka: string;
  /** The broker measured against, e.g. `Apache Kafka 4.4.0 (KRaft, started by the bench)`. */
  readonly broker: string;
  /** The S3 side the exporters stored into (bench/s3-side.ts). */
  readonly s3: string;
}

export function machineInfo(services: { readonly broker: string; readonly s3: string }): MachineInfo {
  const versions = kcatVersions();
  return {
    ...services,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    ...versions,
  };
}

function kcatVersions(): { kcat: string; librdkafka: string } {
  try {
    const text = execFileSync('kcat', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return {
      kcat: /Version (\S+)/.exec(text)?.[1] ?? 'unknown',
      librdkafka: /librdkafka (\d\S*)/.exec(text)?.[1] ?? 'unknown',
    };
  } catch {
    return { kcat: 'not installed', librdkafka: 'unknown' };
  }
}
