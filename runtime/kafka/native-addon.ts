import fs from 'node:fs';
import path from 'node:path';

/** An opaque librdkafka consumer handle of the addon. */
export type NativeHandle = { readonly __nativeHandle: unique symbol };

export interface NativeEvent {
  readonly type: 'assigned' | 'revoked' | 'lost';
  readonly partitions: number[];
  readonly error?: string;
}

export interface NativeLog {
  /** syslog level (0 emergency .. 7 debug); -1 a fatal client error, -2 a client error. */
  readonly level: number;
  readonly facility: string;
  readonly message: string;
}

/** One poll's records in columns (see RecordColumns) and what librdkafka's callbacks reported meanwhile. */
export interface NativePollResult {
  readonly count: number;
  readonly data: Buffer;
  readonly partitions: Int32Array;
  readonly offsets: BigInt64Array;
  readonly timestamps: Float64Array;
  readonly lengths: Int32Array;
  readonly starts: Int32Array;
  readonly flags: Uint8Array;
  readonly runEnds: Int32Array;
  /** Records before this index came before `events`, the rest after them. */
  readonly eventAt: number;
  readonly watermarkPartitions: Int32Array;
  readonly watermarkHighs: BigInt64Array;
  /** Partitions that reached the end of their log in this poll (`enable.partition.eof`), and where. */
  readonly eofPartitions: Int32Array;
  readonly eofOffsets: BigInt64Array;
  readonly events: NativeEvent[];
  readonly logs: NativeLog[];
  readonly logsDropped: number;
  readonly errors: Array<{ code: string; message: string }>;
  readonly tokenRefresh: boolean;
}

export interface NativePartitionOffset {
  readonly partition: number;
  readonly offset?: string;
  readonly metadata?: Buffer;
}

/** The addon's functions (runtime/kafka/native/rdkafka_native.c). */
export interface NativeAddon {
  create(config: Record<string, string>, group: boolean, oauthbearer: boolean): NativeHandle;
  subscribe(handle: NativeHandle, topic: string): void;
  assign(handle: NativeHandle, topic: string, partitions: readonly NativePartitionOffset[]): void;
  seek(handle: NativeHandle, topic: string, partition: number, offset: string): void;
  pauseResume(handle: NativeHandle, topic: string, partitions: readonly number[], pause: boolean): void;
  setToken(handle: NativeHandle, token: string | null, expiryMs: number, principalOrReason: string): void;
  poll(
    handle: NativeHandle,
    maxMessages: number,
    maxBytes: number,
    timeoutMs: number,
  ): Promise<NativePollResult>;
  /** Restarts librdkafka's `max.poll.interval.ms` timer without taking a record. */
  keepAlive(handle: NativeHandle): void;
  commit(handle: NativeHandle, topic: string, offsets: readonly NativePartitionOffset[]): Promise<void>;
  committed(
    handle: NativeHandle,
    topic: string,
    partitions: readonly NativePartitionOffset[],
    timeoutMs: number,
  ): Promise<Array<{ partition: number; offset?: string; metadata: Buffer }>>;
  watermarks(
    handle: NativeHandle,
    topic: string,
    timeoutMs: number,
  ): Promise<Array<{ partition: number; low: string; high: string }>>;
  close(handle: NativeHandle): Promise<void>;
  version(): string;
  lineAsIs(value: Buffer): boolean;
}

/** Where the addon is: next to the compiled runtime (dist/, the image), or node-gyp's output (tests on sources). */
const CANDIDATES = [
  path.join(__dirname, 'native', 'rdkafka_native.node'),
  path.join(__dirname, 'native', 'build', 'Release', 'rdkafka_native.node'),
];

let addon: NativeAddon | undefined;

/** Loads the addon once; a clear error when it was not built. */
export function loadNativeAddon(): NativeAddon {
  if (addon !== undefined) return addon;
  const file = CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw new Error(
      'kafka.client is "native" but the native Kafka client is not built (rdkafka_native.node not found next ' +
        'to the runtime): build it with `npm run build:native` (needs librdkafka-dev, python3, make and g++; ' +
        'the image builds it), or set kafka.client to "kafkajs".',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  addon = require(file) as NativeAddon;
  return addon;
}
