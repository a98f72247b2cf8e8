import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../project-root';

/**
 * The Apache Kafka distribution that local/kafka runs: the jars of `local/kafka/pom.xml`, fetched once with
 * Maven into `.cache/kafka-<version>-<pom hash>/libs` and used offline from then on.
 */
export interface KafkaDistribution {
  /** The Kafka version the pom names (e.g. `4.4.0`). */
  readonly version: string;
  /** The `java` binary: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
  readonly java: string;
  /** The JVM class path of the broker (every jar of the distribution). */
  readonly classPath: string;
  /** This distribution's cache folder (the CDS archive and formatted storage templates live here). */
  readonly cacheDir: string;
  /** The log4j2 configuration the broker runs with. */
  readonly log4jConfig: string;
}

function kafkaDir(): string {
  return path.join(projectRoot(), 'local', 'kafka');
}

/** The Kafka version named by `local/kafka/pom.xml`, its one source of truth. */
export function kafkaVersion(): string {
  const pom = fs.readFileSync(path.join(kafkaDir(), 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error('local/kafka/pom.xml has no <kafka.version> property');
  return match[1].trim();
}

/**
 * Returns the Kafka distribution, fetching its jars with Maven the first time (about 45 MB). Concurrent
 * callers (jest workers) wait for one fetch; the jars appear in the cache all at once or not at all.
 */
export function kafkaDistribution(): KafkaDistribution {
  const pomPath = path.join(kafkaDir(), 'pom.xml');
  const version = kafkaVersion();
  const hash = createHash('sha256').update(fs.readFileSync(pomPath)).digest('hex').slice(0, 12);
  const cacheDir = path.join(projectRoot(), '.cache', `kafka-${version}-${hash}`);
  const jars = mavenJars(pomPath, cacheDir, {
    what: 'the local Apache Kafka broker',
    alternative: ' (or set KAFKA_BOOTSTRAP=host:port to run against a broker of your own)',
  });
  return {
    version,
    java: javaBinary(),
    classPath: jars.join(path.delimiter),
    cacheDir,
    log4jConfig: path.join(kafkaDir(), 'log4j2.properties'),
  };
}

/** Who needs the jars of a pom, for the messages when Java or Maven is missing. */
export interface MavenJarsPurpose {
  /** e.g. `the local Apache Kafka broker`. */
  readonly what: string;
  /** Appended to the install hint, e.g. a way to do without. @default - none */
  readonly alternative?: string;
}

/**
 * The runtime jars of `pomPath` (sorted paths), fetched once with `mvn dependency:copy-dependencies` into
 * `<cacheDir>/libs` and used offline from then on. Concurrent callers (jest workers) wait for one fetch; the
 * jars appear in the cache all at once or not at all.
 */
export function mavenJars(pomPath: string, cacheDir: string, purpose: MavenJarsPurpose): string[] {
  const libs = path.join(cacheDir, 'libs');
  if (!fs.existsSync(libs)) withLock(`${cacheDir}.lock`, () => fetchJars(pomPath, libs, purpose));
  return fs
    .readdirSync(libs)
    .filter((name) => name.endsWith('.jar'))
    .sort()
    .map((name) => path.join(libs, name));
}

/** The `java` binary: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
export function javaBinary(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function fetchJars(pomPath: string, libs: string, purpose: MavenJarsPurpose): void {
  if (fs.existsSync(libs)) return; // another process fetched them while this one waited for the lock
  const missing = [
    spawnSync(javaBinary(), ['-version'], { stdio: 'ignore' }).status === 0
      ? undefined
      : 'java (17 or newer)',
    spawnSync('mvn', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'mvn (Maven 3)',
  ].filter((what): what is string => what !== undefined);
  if (missing.length > 0) {
    throw new Error(
      `${purpose.what} needs ${missing.join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not on PATH. ` +
        `Install them with: apt-get install -y openjdk-17-jre-headless maven${purpose.alternative ?? ''}`,
    );
  }
  const partial = `${libs}.${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pomPath,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${partial}`,
        '-DincludeScope=runtime',
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    const output = error as { stdout?: Buffer; stderr?: Buffer };
    const detail = `${output.stdout?.toString() ?? ''}${output.stderr?.toString() ?? String(error)}`;
    throw new Error(
      `cannot fetch the jars of ${purpose.what} with Maven (${pomPath}): ${detail.trim().slice(-2000)}\n` +
        'Maven needs to reach Maven Central once; after that the jars are used from .cache/ offline.',
    );
  }
  fs.renameSync(partial, libs);
}

/** Runs `action` while holding a lock directory; waits (up to 10 min) for another holder to finish. */
function withLock(lock: string, action: () => void): void {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockHolderIsGone(lock) || Date.now() > deadline) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
  try {
    action();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function lockHolderIsGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // just created, its pid not written yet
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
