import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin, ITopicConfig, Kafka, logLevel } from 'kafkajs';
import type { SASLOptions } from 'kafkajs';
import { freePort, ownGroup, signal, stopProcess, waitForPort } from '../process';
import { fetchApiVersions } from './api-versions';
import { KafkaDistribution, kafkaDistribution } from './distribution';
import { TopicSpec } from './topics';

export { TopicSpec } from './topics';

/** Options of `startKafka`. */
export interface KafkaOptions {
  /**
   * How many brokers: each its own JVM in KRaft combined mode (broker and controller), so three brokers are
   * also a three-voter controller quorum that survives one of them being killed.
   * @default 1
   */
  readonly brokers?: number;
  /** Topics created (and waited for, leaders elected) before `startKafka` resolves. @default - none */
  readonly topics?: readonly TopicSpec[];
  /**
   * Extra `server.properties` entries for every broker, applied last (they override the launcher's own,
   * e.g. `log.retention.check.interval.ms`, `transaction.state.log.min.isr`).
   * @default - none
   */
  readonly brokerConfig?: Readonly<Record<string, string>>;
  /**
   * SASL/SCRAM-SHA-512 on the client listener (SASL_PLAINTEXT on loopback) with the standard ACL authorizer
   * (`allow.everyone.if.no.acl.found=false`): `admin` is a super user (the launcher's own admin, the
   * inter-broker principal); every user exists from `kafka-storage format --add-scram` on and holds no ACL.
   * @default - no authentication, no authorizer
   */
  readonly sasl?: SaslOptions;
}

/** A SCRAM-SHA-512 user (name and password) of the local broker. */
export interface ScramUser {
  readonly username: string;
  readonly password: string;
}

/** SASL/SCRAM users of `startKafka`. */
export interface SaslOptions {
  /** The super user (ACLs do not apply to it). */
  readonly admin: ScramUser;
  /** Further users, with no ACL until a test creates some. @default - none */
  readonly users?: readonly ScramUser[];
}

/** A running Apache Kafka cluster on 127.0.0.1 (or the external broker named by KAFKA_BOOTSTRAP). */
export interface LocalKafka {
  /** Comma-separated `host:port` list of every broker. */
  readonly bootstrap: string;
  readonly brokers: string[];
  /** The broker's Apache Kafka version, as the broker logged it at start-up (e.g. `4.4.0`). */
  readonly version: string;
  /** True when the cluster runs in KRaft mode (it finalizes `metadata.version`). */
  readonly kraft: boolean;
  /** False when KAFKA_BOOTSTRAP points to a broker this launcher did not start (no kill/restart then). */
  readonly managed: boolean;
  /** The kafkajs `sasl` option of the super user, when started with `sasl`. */
  readonly adminSasl?: KafkaJsSasl;
  /** Creates topics (replication factor: min(brokers, 3) unless given) and waits for their leaders. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** Signals broker `index` (0-based; default 0) and its process group, resolving once it has exited. */
  kill(index?: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /**
   * Starts broker `index` again (stopping it first if it still runs) on the same ports and log dirs,
   * resolving once it serves metadata that lists it.
   */
  restart(index?: number): Promise<void>;
  /** The process id of broker `index`'s JVM (0-based; default 0), e.g. for its CPU time; undefined when not running or external. */
  pid(index?: number): number | undefined;
  stop(): Promise<void>;
}

/** The variable that points the launcher at a broker of your own instead of starting one. */
export const EXTERNAL_BOOTSTRAP_VARIABLE = 'KAFKA_BOOTSTRAP';

/** kafkajs client options for a SCRAM user of the local broker. */
export type KafkaJsSasl = SASLOptions & { mechanism: 'scram-sha-512' };

/** The kafkajs `sasl` option for `user`. */
export function scramSasl(user: ScramUser): KafkaJsSasl {
  return { mechanism: 'scram-sha-512', username: user.username, password: user.password };
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 90_000;
const LOG_LINES_KEPT = 300;

/**
 * JVM settings for a 2-core machine: a bounded heap, the serial collector (no concurrent GC threads
 * competing with the tests), no perf-data files in /tmp.
 */
const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  // The client compiler only: a broker ready about a second sooner; loopback tests never need C2's peak.
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-XX:-UsePerfData',
  '-Djava.awt.headless=true',
];

/**
 * Starts an Apache Kafka cluster in KRaft mode on free loopback ports, from the jars `local/kafka/pom.xml`
 * names (fetched once with Maven). With KAFKA_BOOTSTRAP=host:port set, uses that broker instead.
 */
export async function startKafka(options: KafkaOptions = {}): Promise<LocalKafka> {
  validateOptions(options);
  const external = process.env[EXTERNAL_BOOTSTRAP_VARIABLE]?.trim();
  if (external) return useExternalKafka(external, options);
  const cluster = await startCluster(options);
  try {
    await cluster.createTopics(options.topics ?? []);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Starts attempted on new ports when a port picked free was taken before the broker bound it. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Starts the brokers, on new ports when one lost a race for its port: freePort() hands out a port the kernel
 * had free a moment ago, and before the JVM binds it another broker, server or outgoing connection on the
 * machine (parallel test workers) may take it. Any other failure is thrown at once.
 */
async function startCluster(options: KafkaOptions): Promise<Cluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await Cluster.start(options);
    } catch (error) {
      const lostPortRace = /Address already in use|BindException/.test((error as Error).message);
      if (!lostPortRace || attempt >= PORT_RACE_ATTEMPTS) throw error;
    }
  }
}

function validateOptions(options: KafkaOptions): void {
  const problems: string[] = [];
  const brokers = options.brokers ?? 1;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
    problems.push(`brokers must be a whole number from 1 to 9, got ${String(options.brokers)}`);
  }
  problems.push(...topicProblems(options.topics ?? [], brokers));
  if (options.sasl) {
    const users = [options.sasl.admin, ...(options.sasl.users ?? [])];
    for (const user of users) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(user.username)) {
        problems.push(`sasl user name '${user.username}' must be 1 to 64 of A-Z a-z 0-9 . _ -`);
      }
      if (!/^[A-Za-z0-9._-]{8,128}$/.test(user.password)) {
        problems.push(
          `sasl password of '${user.username}' must be 8 to 128 of A-Z a-z 0-9 . _ - (no quotes)`,
        );
      }
    }
    if (new Set(users.map((user) => user.username)).size !== users.length) {
      problems.push('sasl user names must be unique (admin included)');
    }
  }
  if (problems.length > 0) throw new Error(`invalid local Kafka options:\n- ${problems.join('\n- ')}`);
}

function topicProblems(specs: readonly TopicSpec[], brokers: number): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(spec.name)) {
      problems.push(`topic name '${spec.name}' is not a Kafka topic name: use 1 to 249 of a-z A-Z 0-9 . _ -`);
    }
    if (seen.has(spec.name)) problems.push(`topic '${spec.name}' is listed twice`);
    seen.add(spec.name);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      problems.push(`topic '${spec.name}': partitions must be a whole number ≥ 1, got ${spec.partitions}`);
    }
    const factor = spec.replicationFactor;
    if (factor !== undefined && (!Number.isInteger(factor) || factor < 1 || factor > brokers)) {
      problems.push(
        `topic '${spec.name}': replicationFactor must be a whole number from 1 to the broker count (${brokers}), got ${factor}`,
      );
    }
  }
  return problems;
}

function topicConfigs(specs: readonly TopicSpec[], brokers: number): ITopicConfig[] {
  return specs.map((spec) => ({
    topic: spec.name,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor ?? Math.min(brokers, 3),
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  }));
}

/** One admin client for the launcher's own requests; the place credentials go when SASL arrives. */
function adminClient(brokers: readonly string[], sasl?: KafkaJsSasl): Admin {
  return new Kafka({
    clientId: 'local-kafka-launcher',
    brokers: [...brokers],
    ...(sasl && { sasl }),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1_000 },
  }).admin();
}

async function createTopicsWith(
  brokers: readonly string[],
  specs: readonly TopicSpec[],
  count: number,
  sasl?: KafkaJsSasl,
) {
  if (specs.length === 0) return;
  const problems = topicProblems(specs, count);
  if (problems.length > 0) throw new Error(`cannot create topics:\n- ${problems.join('\n- ')}`);
  const admin = adminClient(brokers, sasl);
  await admin.connect();
  try {
    await admin.createTopics({ topics: topicConfigs(specs, count), waitForLeaders: false, timeout: 30_000 });
    // kafkajs' own waitForLeaders gives up within its few retries while a 3-broker cluster still creates
    // hundreds of partitions: poll Metadata until every partition has a leader.
    const names = specs.map((spec) => spec.name);
    const deadline = Date.now() + 60_000;
    let last = '';
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        const leaderless = topics.flatMap((topic) =>
          topic.partitions.filter((p) => p.leader < 0).map((p) => `${topic.name}-${p.partitionId}`),
        );
        const missing = specs.filter((spec) => {
          const topic = topics.find((t) => t.name === spec.name);
          return !topic || topic.partitions.length < spec.partitions;
        });
        if (leaderless.length === 0 && missing.length === 0) return;
        last = `${leaderless.length} partitions without a leader, ${missing.length} topics incomplete`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`topics ${names.join(', ')} were not ready within 60 s: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

async function useExternalKafka(bootstrap: string, options: KafkaOptions): Promise<LocalKafka> {
  if (options.sasl) {
    throw new Error(
      `this test needs a broker with SASL/SCRAM users and ACLs of its own, which the external broker at ` +
        `${EXTERNAL_BOOTSTRAP_VARIABLE}=${bootstrap} cannot be set up with. Unset ${EXTERNAL_BOOTSTRAP_VARIABLE} to run it.`,
    );
  }
  if (options.brokerConfig && Object.keys(options.brokerConfig).length > 0) {
    throw new Error(
      `this test sets broker configuration (${Object.keys(options.brokerConfig).join(', ')}), which cannot be ` +
        `applied to the external broker at ${EXTERNAL_BOOTSTRAP_VARIABLE}=${bootstrap}. ` +
        `Unset ${EXTERNAL_BOOTSTRAP_VARIABLE} to run it on the project's own broker.`,
    );
  }
  const brokers = bootstrap.split(',').map((address) => address.trim());
  const versions = await fetchApiVersions(brokers[0]);
  const admin = adminClient(brokers);
  await admin.connect();
  const count = (await admin.describeCluster().finally(() => admin.disconnect())).brokers.length;
  const needsOwn = (what: string) => async () => {
    throw new Error(
      `${what} needs the project's own broker, but ${EXTERNAL_BOOTSTRAP_VARIABLE}=${bootstrap} points to an ` +
        `external one. Unset ${EXTERNAL_BOOTSTRAP_VARIABLE} to run this test.`,
    );
  };
  const kafka: LocalKafka = {
    bootstrap: brokers.join(','),
    brokers,
    version: 'unknown (external broker)',
    kraft: versions.finalizedFeatures.has('metadata.version'),
    managed: false,
    createTopics: (specs) => createTopicsWith(brokers, specs, count),
    kill: needsOwn('killing a broker'),
    restart: needsOwn('restarting a broker'),
    pid: () => undefined,
    stop: async () => undefined,
  };
  await kafka.createTopics(options.topics ?? []);
  return kafka;
}

interface Node {
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
  readonly configPath: string;
  readonly log: string[];
  child?: ChildProcess;
  /** Where this node's JVM writes a class-data-sharing archive when it exits, if it makes one. */
  archiveDump?: string;
}

class Cluster implements LocalKafka {
  readonly kraft = true;
  readonly managed = true;
  readonly adminSasl?: KafkaJsSasl;
  version: string;

  private constructor(
    private readonly distribution: KafkaDistribution,
    private readonly dir: string,
    private readonly nodes: Node[],
    sasl: SaslOptions | undefined,
  ) {
    this.version = distribution.version;
    if (sasl) this.adminSasl = scramSasl(sasl.admin);
  }

  get bootstrap(): string {
    return this.brokers.join(',');
  }

  get brokers(): string[] {
    return this.nodes.map((node) => `${HOST}:${node.port}`);
  }

  static async start(options: KafkaOptions): Promise<Cluster> {
    const distribution = kafkaDistribution();
    const count = options.brokers ?? 1;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kafka-'));
    const ports: number[] = [];
    while (ports.length < count * 2) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const nodes: Node[] = [];
    for (let index = 0; index < count; index++) {
      nodes.push({
        id: index + 1,
        port: ports[index * 2],
        controllerPort: ports[index * 2 + 1],
        logDir: path.join(dir, `node-${index + 1}`),
        configPath: path.join(dir, `node-${index + 1}.properties`),
        log: [],
      });
    }
    const voters = nodes.map((node) => `${node.id}@${HOST}:${node.controllerPort}`).join(',');
    for (const node of nodes) {
      fs.writeFileSync(node.configPath, renderProperties(nodeConfig(node, voters, count, options)));
    }
    const cluster = new Cluster(distribution, dir, nodes, options.sasl);
    try {
      await cluster.formatStorage(options);
      nodes.forEach((node, index) => cluster.spawnNode(node, index === 0));
      await Promise.all(nodes.map((node) => cluster.waitUntilReady(node, count)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    await createTopicsWith(this.brokers, specs, this.nodes.length, this.adminSasl);
    await this.waitForPartitionMetadata(specs);
  }

  /**
   * Waits until every replica has written its partition's `partition.metadata` (the topic id), which the
   * broker does asynchronously: a broker killed with -9 before that finds the log without a topic id on
   * restart, marks it stray and starts the partition empty.
   */
  private async waitForPartitionMetadata(specs: readonly TopicSpec[]): Promise<void> {
    const admin = adminClient(this.brokers, this.adminSasl);
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
      const files = topics.flatMap((topic) =>
        topic.partitions.flatMap((partition) =>
          partition.replicas.map((replica) =>
            path.join(
              this.node(replica - 1).logDir,
              `${topic.name}-${partition.partitionId}`,
              'partition.metadata',
            ),
          ),
        ),
      );
      const deadline = Date.now() + 30_000;
      while (files.some((file) => !fs.existsSync(file))) {
        if (Date.now() > deadline) {
          throw new Error(
            `brokers did not write ${files.filter((f) => !fs.existsSync(f)).join(', ')} within 30 s`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await admin.disconnect();
    }
  }

  async kill(index = 0, name: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const node = this.node(index);
    const child = node.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (name === 'SIGTERM') {
      await stopProcess(child, 30_000);
    } else {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      signal(child, 'SIGKILL');
      await exited;
    }
  }

  async restart(index = 0): Promise<void> {
    const node = this.node(index);
    await this.kill(index, 'SIGTERM');
    this.spawnNode(node, false);
    await this.waitUntilReady(node, 1);
  }

  pid(index = 0): number | undefined {
    const child = this.node(index).child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        if (!node.child) return;
        // The archive is written while the JVM exits: give it time. Others' data is deleted anyway.
        await stopProcess(node.child, node.archiveDump ? 30_000 : 3_000);
        this.keepArchive(node);
      }),
    );
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private node(index: number): Node {
    const node = this.nodes[index];
    if (!Number.isInteger(index) || !node) {
      throw new Error(
        `no broker with index ${index}: this cluster has brokers 0 to ${this.nodes.length - 1}`,
      );
    }
    return node;
  }

  /**
   * Formats every node's log dir. `kafka-storage format` is a JVM start of its own, so the formatted dirs
   * are kept as a template in the cache (keyed by broker count and configuration) and copied from then on:
   * a template is the same cluster id and node ids, which is all a fresh local cluster needs.
   */
  private async formatStorage(options: KafkaOptions): Promise<void> {
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          brokers: this.nodes.length,
          config: options.brokerConfig ?? {},
          ...(options.sasl && { sasl: options.sasl }), // SCRAM users are formatted into the metadata
        }),
      )
      .digest('hex')
      .slice(0, 12);
    const template = path.join(this.distribution.cacheDir, `storage-${key}`);
    if (!fs.existsSync(template)) {
      const partial = `${template}.${process.pid}`;
      fs.rmSync(partial, { recursive: true, force: true });
      const clusterId = kafkaUuid();
      await Promise.all(
        this.nodes.map(async (node) => {
          const config = fs
            .readFileSync(node.configPath, 'utf8')
            .replace(/^log\.dirs=.*$/m, `log.dirs=${path.join(partial, path.basename(node.logDir))}`);
          const configPath = path.join(this.dir, `format-${node.id}.properties`);
          fs.writeFileSync(configPath, config);
          await this.runJava('kafka.tools.StorageTool', [
            'format',
            '-t',
            clusterId,
            '-c',
            configPath,
            ...scramArguments(options.sasl),
          ]);
        }),
      );
      try {
        fs.renameSync(partial, template);
      } catch {
        fs.rmSync(partial, { recursive: true, force: true }); // another process made it first
      }
    }
    for (const node of this.nodes) {
      fs.cpSync(path.join(template, path.basename(node.logDir)), node.logDir, { recursive: true });
    }
  }

  private async runJava(mainClass: string, args: string[]): Promise<void> {
    try {
      await promisify(execFile)(this.distribution.java, [...this.jvmArguments(), mainClass, ...args]);
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      throw new Error(
        `${mainClass} ${args.join(' ')} failed: ${`${output.stdout ?? ''}${output.stderr ?? String(error)}`.trim()}`,
      );
    }
  }

  private archivePath(): string {
    const key = createHash('sha256')
      .update(`${this.distribution.java}\n${this.distribution.classPath}`)
      .digest('hex')
      .slice(0, 12);
    return path.join(this.distribution.cacheDir, `classes-${key}.jsa`);
  }

  /**
   * JVM arguments, with a class-data-sharing archive of Kafka's classes once one exists (it cuts about a
   * third of the start-up time); the first broker started without one writes it when it exits.
   */
  private jvmArguments(node?: Node, makeArchive = false): string[] {
    const archive = this.archivePath();
    const sharing: string[] = [];
    if (fs.existsSync(archive)) {
      sharing.push(`-XX:SharedArchiveFile=${archive}`);
    } else if (node && makeArchive) {
      node.archiveDump = `${archive}.${process.pid}-${node.id}`;
      sharing.push(`-XX:ArchiveClassesAtExit=${node.archiveDump}`);
    }
    return [
      ...JVM_OPTIONS,
      ...sharing,
      `-Dlog4j2.configurationFile=${this.distribution.log4jConfig}`,
      '-cp',
      this.distribution.classPath,
    ];
  }

  private keepArchive(node: Node): void {
    const dump = node.archiveDump;
    node.archiveDump = undefined;
    if (!dump) return;
    if (fs.existsSync(dump) && fs.statSync(dump).size > 0 && !fs.existsSync(this.archivePath())) {
      fs.renameSync(dump, this.archivePath());
    } else {
      fs.rmSync(dump, { force: true });
    }
  }

  private spawnNode(node: Node, makeArchive: boolean): void {
    node.log.length = 0;
    const child = ownGroup(
      spawn(
        this.distribution.java,
        [...this.jvmArguments(node, makeArchive), 'kafka.Kafka', node.configPath],
        {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    );
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const version = /Kafka version: (\S+)/.exec(line);
        if (version) this.version = version[1];
        if (/shared archive file|\[cds\]/i.test(line) && fs.existsSync(this.archivePath())) {
          // An archive from another JDK or jar set: drop it so that the next start writes a fresh one.
          fs.rmSync(this.archivePath(), { force: true });
        }
        node.log.push(line);
        if (node.log.length > LOG_LINES_KEPT) node.log.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => this.keepArchive(node));
    node.child = child;
  }

  /** Waits until broker `node` answers a Metadata request listing itself and at least `brokers` brokers. */
  private async waitUntilReady(node: Node, brokers: number): Promise<void> {
    const child = node.child as ChildProcess;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const failure = (why: string) =>
      new Error(
        `Apache Kafka broker ${node.id} (${HOST}:${node.port}) ${why}. Its last log lines:\n` +
          node.log.slice(-40).join('\n'),
      );
    try {
      await waitForPort(node.port, child, READY_TIMEOUT_MS);
    } catch (error) {
      throw failure((error as Error).message);
    }
    let last = 'no answer yet';
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw failure(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      const admin = adminClient([`${HOST}:${node.port}`], this.adminSasl);
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        const ids = cluster.brokers.map((broker) => broker.nodeId);
        if (ids.includes(node.id) && ids.length >= brokers) return;
        last = `metadata lists brokers [${ids.join(', ')}]`;
      } catch (error) {
        last = (error as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (Date.now() > deadline) throw failure(`was not ready within ${READY_TIMEOUT_MS} ms (${last})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * One node's `server.properties`: KRaft combined mode, a client listener and a controller listener on
 * loopback, and internal topics replicated as far as the cluster allows.
 */
function nodeConfig(node: Node, voters: string, brokers: number, options: KafkaOptions): Map<string, string> {
  const replicas = String(Math.min(brokers, 3));
  const minIsr = '1'; // transactions and share groups go on with any one replica left
  return new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', String(node.id)],
    ['controller.quorum.voters', voters],
    ...listenerConfig(node, options.sasl),
    ['log.dirs', node.logDir],
    ['offsets.topic.replication.factor', replicas],
    ['offsets.topic.num.partitions', '10'],
    ['transaction.state.log.replication.factor', replicas],
    ['transaction.state.log.min.isr', minIsr],
    ['transaction.state.log.num.partitions', '10'],
    ['share.coordinator.state.topic.replication.factor', replicas],
    ['share.coordinator.state.topic.min.isr', minIsr],
    // A test starts its consumers right away: no 3 s wait for more members before the first rebalance.
    ['group.initial.rebalance.delay.ms', '0'],
    // A broker killed with -9 is fenced (its partitions led elsewhere) and may register again after this
    // long, not after the default 9 s: kill/restart tests on loopback need no more.
    ['broker.session.timeout.ms', '4000'],
    ['broker.heartbeat.interval.ms', '500'],
    ...Object.entries(options.brokerConfig ?? {}),
  ]);
}

/**
 * `--add-scram` arguments of `kafka-storage format`: the SCRAM users exist in the cluster metadata from the
 * first start on (no kafka-configs JVM afterwards).
 */
function scramArguments(sasl: SaslOptions | undefined): string[] {
  if (!sasl) return [];
  return [sasl.admin, ...(sasl.users ?? [])].flatMap((user) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${user.username},password=${user.password}]`,
  ]);
}

/**
 * The client listener and the KRaft controller listener. With `sasl`: the client listener (also the
 * inter-broker one) is SASL_PLAINTEXT with SCRAM-SHA-512 only, the broker itself logs in as the admin, and
 * the StandardAuthorizer denies whatever no ACL allows. The controller listener stays PLAINTEXT (SCRAM
 * credentials live in the metadata the controller serves, so it cannot authenticate with them); its
 * principal User:ANONYMOUS is a super user so that the broker can register with its own controller.
 */
function listenerConfig(node: Node, sasl?: SaslOptions): Array<[string, string]> {
  const client = sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const listeners: Array<[string, string]> = [
    ['listeners', `${client}://${HOST}:${node.port},CONTROLLER://${HOST}:${node.controllerPort}`],
    ['advertised.listeners', `${client}://${HOST}:${node.port}`],
    ['listener.security.protocol.map', `${client}:${client},CONTROLLER:PLAINTEXT`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', client],
  ];
  if (!sasl) return listeners;
  const { username, password } = sasl.admin;
  return [
    ...listeners,
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
    [
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config',
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`,
    ],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['super.users', `User:${username};User:ANONYMOUS`],
  ];
}

function renderProperties(config: Map<string, string>): string {
  return [...config].map(([key, value]) => `${key}=${value}`).join('\n') + '\n';
}

/** A random Kafka UUID (16 bytes, URL-safe base64 without padding) for `kafka-storage format -t`. */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
