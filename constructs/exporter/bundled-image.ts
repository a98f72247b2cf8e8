import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { DataAwsEcrAuthorizationToken } from '@cdktf/provider-aws/lib/data-aws-ecr-authorization-token';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { App, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { ECR_ENCRYPTION_TYPE, ECR_IMAGE_TAG_MUTABILITY, ECR_SCAN_ON_PUSH } from '../core/secure-defaults';
import { DockerImage, DockerProvider, DockerRegistryImage } from './docker';
import { BoundExporterImage, ExporterImage, ImageProblem } from './exporter-image';

/** Options of the image built from this package's runtime sources. */
export interface RuntimeImageOptions {
  /**
   * Name of the ECR repository the stack creates for the image.
   * @default 'batch-exporter-runtime'
   */
  readonly repositoryName?: string;
  /**
   * The build context: the root of this package as installed (`node_modules/cdktf-batch-exporter`), which
   * ships runtime/Dockerfile and everything it copies.
   * @default - the root of this package
   */
  readonly packageRoot?: string;
}

/** The Dockerfile, relative to the build context (the package root). */
export const IMAGE_DOCKERFILE = 'runtime/Dockerfile';

/**
 * What the image is made of: its Dockerfile and every path the Dockerfile copies from the context (a test
 * keeps the list equal to the Dockerfile's COPY sources, another that the npm package ships them all): the
 * compiled runtime, its lockfile, and the native Kafka client's sources and build script (the build stage
 * compiles them). The tag is a hash of exactly these, so it changes exactly when what the image holds changes.
 */
export const IMAGE_SOURCES = [
  IMAGE_DOCKERFILE,
  'runtime/package.json',
  'runtime/npm-shrinkwrap.json',
  'dist/runtime',
  'runtime/kafka/native/binding.gyp',
  'runtime/kafka/native/rdkafka_native.c',
  'runtime/kafka/native/json_check.h',
  'scripts/build-native.js',
];

/**
 * Compiled addons (`*.node`): a build here leaves one in dist/runtime, the npm package ships none, and the
 * image compiles its own from the native sources above; not hashed, so a clone and the package get one tag.
 */
const BUILD_OUTPUT = /\.node$/;

/** Construct id of the per-stack image resources (public API: it is part of their Terraform addresses). */
export const RUNTIME_IMAGE_ID = 'BatchExporterRuntimeImage';

/** The ECR repository, the build and the push of the runtime image; one per stack, shared by all exporters. */
export class RuntimeImageResources extends Construct {
  public readonly repository: EcrRepository;
  public readonly image: DockerImage;
  public readonly push: DockerRegistryImage;
  /** `<repository url>:<source hash>`. */
  public readonly imageUri: string;
  /** Hash of the image sources: the tag, so a plan changes only when the runtime changes. */
  public readonly sourceHash: string;

  public constructor(scope: Construct, id: string, options: RuntimeImageOptions) {
    super(scope, id);
    const root = options.packageRoot ?? findPackageRoot(__dirname);
    this.sourceHash = hashSources(root);
    this.repository = new EcrRepository(this, 'Repository', {
      name: options.repositoryName ?? 'batch-exporter-runtime',
      imageTagMutability: ECR_IMAGE_TAG_MUTABILITY,
      imageScanningConfiguration: { scanOnPush: ECR_SCAN_ON_PUSH },
      encryptionConfiguration: [{ encryptionType: ECR_ENCRYPTION_TYPE }],
    });
    const stack = TerraformStack.of(this);
    ensureDockerProvider(this, stack);
    this.imageUri = `${this.repository.repositoryUrl}:${this.sourceHash.slice(0, 16)}`;
    this.image = new DockerImage(this, 'Build', {
      name: this.imageUri,
      build: {
        context: relativeToStackDirectory(stack, root),
        dockerfile: IMAGE_DOCKERFILE,
        platform: 'linux/amd64',
      },
      triggers: { sourceHash: this.sourceHash },
    });
    this.push = new DockerRegistryImage(this, 'Push', {
      name: this.image.name,
      triggers: { sourceHash: this.sourceHash },
    });
  }
}

/** The bundled runtime image (see `ExporterImage.fromRuntimeSources`). */
export class RuntimeSourcesImage extends ExporterImage {
  public constructor(private readonly options: RuntimeImageOptions = {}) {
    super();
  }

  public bind(scope: Construct): BoundExporterImage {
    const stack = TerraformStack.of(scope);
    const resources =
      (stack.node.tryFindChild(RUNTIME_IMAGE_ID) as RuntimeImageResources | undefined) ??
      new RuntimeImageResources(stack, RUNTIME_IMAGE_ID, this.options);
    // The pushed image's name, not the repository URL: the task definition then waits for the push.
    return { imageUri: resources.push.name, repositoryArn: resources.repository.arn };
  }

  public problems(): ImageProblem[] {
    const root = this.options.packageRoot ?? findPackageRoot(__dirname);
    const missing = IMAGE_SOURCES.filter((source) => !fs.existsSync(path.join(root, source)));
    if (missing.length === 0) return [];
    return [
      {
        problem: `cannot be built from ${root}: it lacks ${missing.join(', ')}`,
        fix:
          `set packageRoot to the installed package (node_modules/${packageName()}), whose npm tarball ships ` +
          'them, or, in a clone of the repository, run `npm run build` first; or use ExporterImage.fromRegistry',
      },
    ];
  }

  public describe(): string {
    return 'ExporterImage.fromRuntimeSources()';
  }
}

/** The names this package is published under: for cdktf, and built for CDK Terrain (cdktn). */
const PACKAGE_NAMES = ['cdktf-batch-exporter', 'cdktn-batch-exporter'];

/** This package's name: cdktf-batch-exporter, or cdktn-batch-exporter in its CDK Terrain build. */
function packageName(): string {
  return JSON.parse(fs.readFileSync(path.join(findPackageRoot(__dirname), 'package.json'), 'utf8')).name;
}

/** The nearest directory upwards holding this package's package.json. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      PACKAGE_NAMES.includes(JSON.parse(fs.readFileSync(manifest, 'utf8')).name)
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find the cdktf-batch-exporter package above ${from}`);
  }
}

const hashes = new Map<string, string>();

/** SHA-256 over the path and content of every image source file, in sorted order (memoized per root). */
export function hashSources(root: string): string {
  const known = hashes.get(root);
  if (known) return known;
  const hash = createHash('sha256');
  const files = IMAGE_SOURCES.flatMap((source) => listFiles(root, source))
    .filter((file) => !BUILD_OUTPUT.test(file))
    .sort();
  for (const file of files) {
    hash.update(`${file}\u0000`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\u0000');
  }
  const digest = hash.digest('hex');
  hashes.set(root, digest);
  return digest;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules']);

function listFiles(root: string, relative: string): string[] {
  const full = path.join(root, relative);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [relative.split(path.sep).join('/')];
  return fs
    .readdirSync(full)
    .filter((entry) => !SKIPPED_DIRECTORIES.has(entry))
    .flatMap((entry) => listFiles(root, path.join(relative, entry)));
}

/**
 * The build context relative to the directory Terraform runs in (`<outdir>/stacks/<stack>`), so the
 * synthesized JSON holds no absolute path of the machine that synthesized it.
 */
function relativeToStackDirectory(stack: TerraformStack, root: string): string {
  const stackDirectory = path.resolve(App.of(stack).outdir, 'stacks', stack.node.id);
  return path.relative(stackDirectory, root).split(path.sep).join('/') || '.';
}

/** A Docker provider that logs in to the stack's ECR registry, unless the stack already has one. */
function ensureDockerProvider(scope: Construct, stack: TerraformStack): void {
  const hasDocker = stack.node
    .findAll()
    .some(
      (c) =>
        TerraformProvider.isTerraformProvider(c) &&
        (c as TerraformProvider).terraformResourceType === 'docker',
    );
  if (hasDocker) return;
  const token = new DataAwsEcrAuthorizationToken(scope, 'RegistryToken');
  new DockerProvider(scope, 'Docker', [
    { address: token.proxyEndpoint, username: token.userName, password: token.password },
  ]);
}
