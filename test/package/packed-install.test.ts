/**
 * The package as a platform team meets it: `npm pack` (and the cdktn build, packed too), each tarball
 * installed with the README's command into an empty platform repo, the README's stacks compiled against the
 * installed types and synthesized, the image built from exactly the context and Dockerfile the plan names
 * (local/docker/dockerfile.ts executes the Dockerfile's steps into a directory, with this machine's Node for
 * the base image's), and its ENTRYPOINT started with its ENV and the plan's container environment against
 * the local Kafka and S3. Needs `npm run build` first (npm test builds); peers install from the npm cache
 * when it has them (--prefer-offline).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { IMAGE_DOCKERFILE, IMAGE_SOURCES, hashSources } from '../../constructs/exporter/bundled-image';
import { LocalServices, freePort, startLocalServices } from '../../local';
import { BuiltImage, buildDockerfile } from '../../local/docker/dockerfile';
import { projectRoot } from '../../local/project-root';
import {
  DATA_KEY,
  countEventIds,
  createBucket,
  produce,
  readObjects,
} from '../runtime/support/exporter-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildCdktnPackage } = require('../../scripts/build-cdktn.js') as {
  buildCdktnPackage: (out: string) => { name: string };
};

const root = projectRoot();
/** The native Kafka client's addon, relative to the image's working directory (and to the package). */
const NATIVE_ADDON = 'dist/runtime/kafka/native/rdkafka_native.node';
const IMAGE_BUDGET_BYTES = 60 * 1024 * 1024;
/** Packages the image must not hold: the frameworks, the providers, graphviz. */
const NOT_IN_IMAGE = /^(cdktf|cdktn|constructs|@cdktf\/.+|@cdktn\/.+|@hpcc-js\/.+)$/;
const CREDENTIALS = JSON.stringify({
  AccessKey: {
    UserName: 'platform-writer',
    AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    Status: 'Active',
    SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    CreateDate: '2021-04-08T08:19:33+00:00',
  },
});

/** The machine's CA bundle and proxy settings, for the image build's `npm ci`. */
const NETWORK_SETTINGS = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy|npm_config_(cafile|noproxy|proxy|https_proxy))$/i.test(
        entry[0],
      ),
  ),
);

/** The fenced block after `<!-- platform-repo: NAME -->` in README.md. */
function readmeSnippet(name: string): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = readme.match(
    new RegExp(`<!-- platform-repo: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``),
  );
  if (match === null) throw new Error(`README.md has no snippet marked platform-repo: ${name}`);
  return match[1];
}

/** Shell words of one command line (double quotes group). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

function pack(dir: string, destination: string): string {
  const [{ filename }] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', destination], dir),
  ) as {
    filename: string;
  }[];
  return path.join(destination, filename);
}

/** Bytes on disk (what `du` counts: whole blocks) and the files' own sizes, under `dir`. */
function sizeOf(dir: string): { disk: number; apparent: number } {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, entry) => {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      const inner = entry.isDirectory() ? sizeOf(full) : { disk: 0, apparent: stat.size };
      return { disk: sum.disk + stat.blocks * 512 + inner.disk, apparent: sum.apparent + inner.apparent };
    },
    { disk: 0, apparent: 0 },
  );
}

/** Top-level package names in a node_modules folder (scoped ones as @scope/name). */
function packagesIn(nodeModules: string): string[] {
  return fs
    .readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? fs.readdirSync(path.join(nodeModules, name)).map((n) => `${name}/${n}`) : [name],
    )
    .sort();
}

function allPackagesIn(nodeModules: string): string[] {
  return packagesIn(nodeModules).flatMap((name) => {
    const nested = path.join(nodeModules, name, 'node_modules');
    return [name, ...(fs.existsSync(nested) ? allPackagesIn(nested) : [])];
  });
}

function httpStatus(port: number, route: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: route, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.on('timeout', () => request.destroy());
  });
}

interface Plan {
  readonly stackDir: string;
  readonly json: Record<string, Record<string, Record<string, Record<string, unknown>>>>;
}

function readPlan(outdir: string, stack: string): Plan {
  const stackDir = path.join(outdir, 'stacks', stack);
  return { stackDir, json: JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) };
}

function only(plan: Plan, type: string): Record<string, unknown> {
  const bodies = Object.values(plan.json.resource[type] ?? {});
  expect(bodies).toHaveLength(1);
  return bodies[0];
}

/** Replaces every Terraform reference in `env` by its local value (a reference without one fails the test). */
function resolved(env: Record<string, string>, locals: Record<string, string>): Record<string, string> {
  const out = { ...env, ...locals };
  const unresolved = Object.entries(out).filter(([, value]) => value.includes('${'));
  expect(unresolved).toEqual([]);
  return out;
}

const FRAMEWORKS = [
  { framework: 'cdktf', packageName: 'cdktf-batch-exporter', install: 'install-cdktf' },
  { framework: 'cdktn', packageName: 'cdktn-batch-exporter', install: 'install-cdktn' },
] as const;

describe('the packed package in a platform repo', () => {
  let scratch: string;
  let services: LocalServices;
  const tarballs: Record<string, string> = {};
  const tags: Record<string, string> = {};
  const built: Record<string, { image: BuiltImage; plan: Plan }> = {};
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    for (const built of ['dist/constructs/index.js', 'dist/runtime/cli/main.js', 'dist/review/main.js'])
      if (!fs.existsSync(path.join(root, built)))
        throw new Error(`${built} is missing: run \`npm run build\` first`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-install-'));
    tarballs['cdktf-batch-exporter'] = pack(root, scratch);
    const cdktnSource = path.join(scratch, 'cdktn-package');
    buildCdktnPackage(cdktnSource);
    tarballs['cdktn-batch-exporter'] = pack(cdktnSource, scratch);
    services = await startLocalServices({ kafka: { brokers: 1, topics: [{ name: 'demo', partitions: 2 }] } });
  }, 120_000);

  /**
   * Starts the image's ENTRYPOINT with its ENV and the plan's container environment (`extra` on top) against
   * the local services, writing to a new `bucket`; resolves once /healthz answers 200.
   */
  async function startImage(
    image: BuiltImage,
    plan: Plan,
    bucket: string,
    extra: Record<string, string> = {},
  ): Promise<{
    child: ChildProcess;
    env: Record<string, string>;
    app: string;
    exited: Promise<number | null>;
    output: () => string;
  }> {
    await createBucket(services, bucket);
    const [container] = JSON.parse(only(plan, 'aws_ecs_task_definition').container_definitions as string) as {
      environment: { name: string; value: string }[];
      secrets: { name: string }[];
    }[];
    expect(container.secrets.map((s) => s.name)).toEqual(['BATCH_EXPORTER_SINK_CREDENTIALS']);
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      ...image.env,
      ...resolved(Object.fromEntries(container.environment.map((e) => [e.name, e.value])), {
        BATCH_EXPORTER_SINK_BUCKET: bucket,
        BATCH_EXPORTER_KAFKA_BROKERS: services.kafka.brokers.join(','),
        BATCH_EXPORTER_SINK_ENDPOINT: services.aws.endpoint,
        BATCH_EXPORTER_SINK_CREDENTIALS: CREDENTIALS,
        BATCH_EXPORTER_HTTP_PORT: String(port),
      }),
      ...extra,
    };
    const app = path.join(image.root, image.workdir);
    const child = spawn(image.entrypoint[0], image.entrypoint.slice(1), { cwd: app, env, stdio: 'pipe' });
    running.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const deadline = Date.now() + 45_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = await httpStatus(port, '/healthz');
    }
    expect({ status, output: status === 200 ? '' : output }).toEqual({ status: 200, output: '' });
    return { child, env, app, exited, output: () => output };
  }

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await services?.stop();
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe.each(FRAMEWORKS)('with $framework', ({ framework, packageName, install }) => {
    let platform: string;
    let plan: Plan;
    let image: BuiltImage;

    test(`installs ${packageName} from its tarball with the README's command`, () => {
      platform = path.join(scratch, `${framework}-platform`);
      fs.mkdirSync(platform);
      fs.writeFileSync(
        path.join(platform, 'package.json'),
        JSON.stringify({ name: `${framework}-platform`, version: '1.0.0', private: true }),
      );
      const command = words(readmeSnippet(install).trim());
      expect(command.slice(0, 2)).toEqual(['npm', 'install']);
      expect(command).toContain(packageName);
      const specs = command.slice(2).map((spec) => (spec === packageName ? tarballs[packageName] : spec));
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...specs], platform);
      const installed = path.join(platform, 'node_modules', packageName);
      expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).name).toBe(
        packageName,
      );
      expect(fs.existsSync(path.join(platform, 'node_modules', '.bin', 'batch-exporter'))).toBe(true);
    }, 180_000);

    test("compiles the README's stacks against the installed types and synthesizes S3BatchExport with its defaults", () => {
      const forFramework = (source: string) =>
        framework === 'cdktf'
          ? source
          : source
              .replace(/'cdktf'/g, "'cdktn'")
              .replace(/'@cdktf\/provider-aws\//g, "'@cdktn/provider-aws/")
              .replace(/'cdktf-batch-exporter'/g, "'cdktn-batch-exporter'");
      fs.writeFileSync(path.join(platform, 'main.ts'), forFramework(readmeSnippet('stack')));
      fs.writeFileSync(path.join(platform, 'prebuilt.ts'), forFramework(readmeSnippet('prebuilt')));
      fs.writeFileSync(
        path.join(platform, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            target: 'ES2022',
            module: 'node16',
            moduleResolution: 'node16',
            skipLibCheck: true,
            types: [],
            outDir: 'build',
          },
          files: ['main.ts', 'prebuilt.ts'],
        }),
      );
      run(
        process.execPath,
        [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
        platform,
      );
      run(process.execPath, ['build/main.js'], platform);
      plan = readPlan(path.join(platform, 'cdktf.out'), 'export');
      const build = only(plan, 'docker_image').build as { context: string; dockerfile: string };
      expect(build.dockerfile).toBe(IMAGE_DOCKERFILE);
      expect(path.resolve(plan.stackDir, build.context)).toBe(
        path.join(platform, 'node_modules', packageName),
      );
    }, 120_000);

    test('builds the image from exactly the context and Dockerfile the plan names, holding the runtime only', () => {
      const build = only(plan, 'docker_image') as {
        build: { context: string; dockerfile: string };
        name: string;
      };
      const context = path.resolve(plan.stackDir, build.build.context);
      image = buildDockerfile({
        context,
        dockerfile: build.build.dockerfile,
        into: path.join(scratch, `${framework}-image`),
        // The image's own home: its `npm cache clean` empties this, not the machine's npm cache. The machine's
        // trust store and proxy reach RUN as a build's network settings would.
        runEnvironment: { ...NETWORK_SETTINGS, HOME: path.join(scratch, `${framework}-home`) },
      });
      const app = path.join(image.root, image.workdir);
      const nodeModules = path.join(app, 'node_modules');
      const size = sizeOf(nodeModules);
      const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      const direct = Object.keys(
        JSON.parse(fs.readFileSync(path.join(context, 'runtime', 'package.json'), 'utf8')).dependencies,
      ).sort();
      console.log(
        `${framework} image: node_modules ${mb(size.disk)} on disk (${mb(size.apparent)} of files), ` +
          `${allPackagesIn(nodeModules).length} packages; production dependencies: ${direct.join(', ')}`,
      );
      expect(size.disk).toBeLessThanOrEqual(IMAGE_BUDGET_BYTES);
      expect(packagesIn(nodeModules)).toEqual(expect.arrayContaining(direct));
      expect(allPackagesIn(nodeModules).filter((name) => NOT_IN_IMAGE.test(name))).toEqual([]);
      expect(fs.readdirSync(path.join(app, 'dist'))).toEqual(['runtime']);
      // The tag is the hash of what the image was built from, the same for both packages.
      const tag = build.name.split(':').at(-1) as string;
      expect(tag).toBe(hashSources(context).slice(0, 16));
      expect(IMAGE_SOURCES.every((source) => fs.existsSync(path.join(context, source)))).toBe(true);
      // The package ships the native client's sources, not a compiled addon; the image compiled its own and
      // carries it with librdkafka1 as its only Debian package (no compilers).
      expect(fs.existsSync(path.join(context, NATIVE_ADDON))).toBe(false);
      expect(fs.statSync(path.join(app, NATIVE_ADDON)).isFile()).toBe(true);
      expect(image.packages).toEqual(['librdkafka1']);
      const stage = sizeOf(image.root);
      console.log(
        `${framework} image: runtime stage ${mb(stage.disk)} on disk (${mb(stage.apparent)} of files) over the ` +
          `base image, plus the Debian packages ${image.packages.join(', ')}`,
      );
      tags[framework] = tag;
      built[framework] = { image, plan };
    }, 120_000);

    test("starts the ENTRYPOINT with the image's ENV and the plan's environment: validation object, /healthz 200, HEALTHCHECK 0", async () => {
      const bucket = `${framework}-platform-exports`;
      const { child, env, app, exited } = await startImage(image, plan, bucket);
      const listed = await services.aws.s3().send(new ListObjectsV2Command({ Bucket: bucket }));
      expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([
        expect.stringMatching(/^\.strm_test_.+\.jsonl$/),
      ]);
      const healthcheck = image.healthcheck?.command ?? [];
      const check = spawnSync(healthcheck[0], healthcheck.slice(1), { cwd: app, env, encoding: 'utf8' });
      expect(check.status).toBe(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }, 90_000);

    test("runs the plan's deploy-time validation and the README's review commands from the installed package", async () => {
      const bucket = `${framework}-platform-validation`;
      await createBucket(services, bucket);
      const [validation] = Object.values(plan.json.resource.terraform_data);
      const [{ 'local-exec': exec }] = validation.provisioner as {
        'local-exec': { command: string; environment: Record<string, string> };
      }[];
      run('sh', ['-c', exec.command], plan.stackDir, {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME,
        ...resolved(exec.environment, {
          BATCH_EXPORTER_SINK_BUCKET: bucket,
          BATCH_EXPORTER_SINK_CREDENTIALS: CREDENTIALS,
          BATCH_EXPORTER_SINK_ENDPOINT: services.aws.endpoint,
        }),
      });
      const listed = await services.aws.s3().send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.Contents ?? []).toHaveLength(1);
      for (const line of readmeSnippet('review').trim().split('\n')) {
        run('sh', ['-c', line], platform);
      }
      const report = JSON.parse(fs.readFileSync(path.join(platform, 'review.json'), 'utf8'));
      expect(report.passed).toBe(true);
    }, 90_000);

    test("the README's docker build names the plan's context and Dockerfile, and the pre-built stack builds nothing", () => {
      const [build] = readmeSnippet('image').trim().split('\n').map(words);
      const dockerfile = build[build.indexOf('-f') + 1];
      const tag = build[build.indexOf('-t') + 1];
      const context = (build.at(-1) as string).replace('cdktf-batch-exporter', packageName);
      const planned = only(plan, 'docker_image').build as { context: string; dockerfile: string };
      expect({ dockerfile, context: path.join(platform, context) }).toEqual({
        dockerfile: planned.dockerfile,
        context: path.resolve(plan.stackDir, planned.context),
      });
      const prebuiltDir = path.join(platform, 'prebuilt');
      fs.mkdirSync(prebuiltDir);
      run(process.execPath, ['../build/prebuilt.js'], prebuiltDir);
      const prebuilt = readPlan(path.join(prebuiltDir, 'cdktf.out'), 'export');
      expect(prebuilt.json.resource.docker_image).toBeUndefined();
      const [container] = JSON.parse(
        only(prebuilt, 'aws_ecs_task_definition').container_definitions as string,
      );
      expect(container.image).toBe(tag);
    }, 60_000);
  });

  test('the image on the native Kafka client (BATCH_EXPORTER_KAFKA_CLIENT=native) stores every event produced exactly once', async () => {
    const { image, plan } = built.cdktf;
    const bucket = 'native-client-exports';
    const ids = Array.from({ length: 400 }, (_, i) => `native-${i}`);
    await produce(
      services,
      'demo',
      ids.map((eventId) => JSON.stringify({ eventId, kind: 'packed-install' })),
      2,
    );
    const { child, exited, output } = await startImage(image, plan, bucket, {
      BATCH_EXPORTER_KAFKA_CLIENT: 'native',
      BATCH_EXPORTER_INTERVAL_SECONDS: '2',
    });
    const stored = async () =>
      (await readObjects(services.aws.s3(), bucket)).filter((object) => DATA_KEY.test(object.key));
    const deadline = Date.now() + 45_000;
    while (
      countEventIds(await stored()).size < ids.length &&
      Date.now() < deadline &&
      child.exitCode === null
    )
      await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const counts = countEventIds(await stored());
    expect({
      ids: [...counts.keys()].sort(),
      duplicated: [...counts.values()].filter((n) => n !== 1).length,
    }).toEqual({ ids: [...ids].sort(), duplicated: 0 });
    expect(output()).toContain('consuming with the native client');
  }, 90_000);

  test('both packages name the same image: the runtime is the same files in each', () => {
    expect(Object.keys(tags).sort()).toEqual(['cdktf', 'cdktn']);
    expect(tags.cdktn).toBe(tags.cdktf);
  });
});
