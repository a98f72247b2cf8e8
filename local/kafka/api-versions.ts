import net from 'node:net';

/** One API a broker serves, with the versions it accepts (Kafka protocol ApiVersions). */
export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** What a broker says about itself in an ApiVersions v3 response. */
export interface BrokerApiVersions {
  readonly apis: ReadonlyMap<number, ApiVersionRange>;
  /** Feature name → supported [min, max] levels (KIP-584), e.g. `metadata.version`, `kraft.version`. */
  readonly supportedFeatures: ReadonlyMap<string, readonly [number, number]>;
  /** Feature name → the cluster's finalized level. Only a KRaft cluster finalizes `metadata.version`. */
  readonly finalizedFeatures: ReadonlyMap<string, number>;
}

/** Kafka protocol API keys this project looks at. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  ApiVersions: 18,
  DescribeQuorum: 55,
  DescribeCluster: 60,
  ConsumerGroupHeartbeat: 68,
} as const;

/**
 * Sends one ApiVersions v3 request to `host:port` and decodes the answer, including the tagged feature
 * fields (which kafkajs does not read). A broker that does not speak v3 is asked in v0 (no features then).
 */
export async function fetchApiVersions(address: string, timeoutMs = 5_000): Promise<BrokerApiVersions> {
  const [host, port] = splitAddress(address);
  const answer = decodeApiVersions(await roundTrip(host, port, apiVersionsRequest(3), timeoutMs), address);
  if (answer !== UNSUPPORTED_VERSION) return answer;
  // A broker older than Kafka 2.4 (or librdkafka's mock) refuses v3: ask in v0, which has no features.
  return decodeVersionZero(await roundTrip(host, port, apiVersionsRequest(0), timeoutMs), address);
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0) {
    throw new Error(`'${address}' is not a Kafka broker address: expected host:port, e.g. 127.0.0.1:9092`);
  }
  return [address.slice(0, colon), port];
}

const CORRELATION_ID = 1;

function apiVersionsRequest(version: 0 | 3): Buffer {
  const clientId = Buffer.from('local-kafka-probe');
  // Request header v1 (v0) or v2 (v3): api key, api version, correlation id, client id, [tagged fields].
  const header = Buffer.alloc(10);
  header.writeInt16BE(ApiKey.ApiVersions, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(CORRELATION_ID, 4);
  header.writeInt16BE(clientId.length, 8);
  const body =
    version === 0
      ? Buffer.concat([header, clientId])
      : Buffer.concat([
          header,
          clientId,
          Buffer.from([0]),
          compactString('cdktf-batch-exporter-local'),
          compactString('1'),
          Buffer.from([0]),
        ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

function compactString(value: string): Buffer {
  const bytes = Buffer.from(value);
  return Buffer.concat([unsignedVarint(bytes.length + 1), bytes]);
}

function unsignedVarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

async function roundTrip(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ApiVersions answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach a Kafka broker at ${host}:${port}: ${error.message}`));
    });
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      const all = Buffer.concat(chunks, received);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(all.subarray(4, 4 + all.readInt32BE(0)));
      }
    });
  });
}

class Reader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}
  int16(): number {
    return this.buffer.readInt16BE(this.advance(2));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.advance(4));
  }
  varint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buffer.readUInt8(this.advance(1));
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
  }
  compactString(): string {
    const length = this.varint() - 1;
    return this.buffer.toString('utf8', this.advance(length), this.offset);
  }
  /** Reads tagged fields, handing each known tag its own reader; unknown tags are skipped. */
  taggedFields(handlers: Record<number, (reader: Reader) => void> = {}): void {
    const count = this.varint();
    for (let i = 0; i < count; i++) {
      const tag = this.varint();
      const size = this.varint();
      const start = this.advance(size);
      handlers[tag]?.(new Reader(this.buffer.subarray(start, start + size)));
    }
  }
  private advance(bytes: number): number {
    const at = this.offset;
    if (at + bytes > this.buffer.length) throw new RangeError('ApiVersions response ended early');
    this.offset += bytes;
    return at;
  }
}

const UNSUPPORTED_VERSION = 35;

function decodeVersionZero(response: Buffer, address: string): BrokerApiVersions {
  const reader = new Reader(response);
  if (reader.int32() !== CORRELATION_ID) throw new Error(`${address} answered another request`);
  const errorCode = reader.int16();
  if (errorCode !== 0) throw new Error(`${address} refused ApiVersions v0 with error code ${errorCode}`);
  const apis = new Map<number, ApiVersionRange>();
  const count = reader.int32();
  for (let i = 0; i < count; i++) {
    const api = { apiKey: reader.int16(), minVersion: reader.int16(), maxVersion: reader.int16() };
    apis.set(api.apiKey, api);
  }
  return { apis, supportedFeatures: new Map(), finalizedFeatures: new Map() };
}

function decodeApiVersions(
  response: Buffer,
  address: string,
): BrokerApiVersions | typeof UNSUPPORTED_VERSION {
  const reader = new Reader(response);
  if (reader.int32() !== CORRELATION_ID) throw new Error(`${address} answered another request`);
  const errorCode = reader.int16();
  if (errorCode === UNSUPPORTED_VERSION) return UNSUPPORTED_VERSION;
  if (errorCode !== 0) throw new Error(`${address} refused ApiVersions v3 with error code ${errorCode}`);
  const apis = new Map<number, ApiVersionRange>();
  const apiCount = reader.varint() - 1;
  for (let i = 0; i < apiCount; i++) {
    const api = { apiKey: reader.int16(), minVersion: reader.int16(), maxVersion: reader.int16() };
    reader.taggedFields();
    apis.set(api.apiKey, api);
  }
  reader.int32(); // throttle time
  const supportedFeatures = new Map<string, readonly [number, number]>();
  const finalizedFeatures = new Map<string, number>();
  reader.taggedFields({
    0: (features) => {
      const count = features.varint() - 1;
      for (let i = 0; i < count; i++) {
        const name = features.compactString();
        supportedFeatures.set(name, [features.int16(), features.int16()]);
        features.taggedFields();
      }
    },
    2: (features) => {
      const count = features.varint() - 1;
      for (let i = 0; i < count; i++) {
        const name = features.compactString();
        const maxLevel = features.int16();
        features.int16(); // min version level
        finalizedFeatures.set(name, maxLevel);
        features.taggedFields();
      }
    },
  });
  return { apis, supportedFeatures, finalizedFeatures };
}
