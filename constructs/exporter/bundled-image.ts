import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { DataAwsEcrAuthorizationToken } from '@cdktf/provider-aws/lib/data-aws-ecr-authorization-token';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Image } from '@cdktf/provider-docker/lib/image';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { RegistryImage } from '@cdktf/provider-docker/lib/registry-image';
import { App, TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { ECR_ENCRYPTION_TYPE, ECR_IMAGE_TAG_MUTABILITY, ECR_SCAN_ON_PUSH } from '../core/secure-defaults';
import { BoundExporterImage, ExporterImage } from './exporter-image';

/** Options of the image built from this package's runtime sources. */
export interface RuntimeImageOptions {
  /**
   * Name of the ECR repository the stack creates for the image.
   * @default 'batch-exporter-runtime'
   */
  readonly repositoryName?: string;
  /**
   * The build context: the package root holding runtime/Dockerfile.
   * @default - the root of this package
   */
  readonly packageRoot?: string;
}

/** What runtime/Dockerfile copies into the image; the tag is a hash of exactly these. */
export const IMAGE_SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'runtime', 'constructs'];

/** Construct id of the per-stack image resources (public API: it is part of their Terraform addresses). */
export const RUNTIME_IMAGE_ID = 'BatchExporterRuntimeImage';

/** The ECR repository, the build and the push of the runtime image; one per stack, shared by all exporters. */
export class RuntimeImageResources extends Construct {
  public readonly repository: EcrRepository;
  public readonly image: Image;
  public readonly push: RegistryImage;
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
    this.image = new Image(this, 'Build', {
      name: this.imageUri,
      buildAttribute: {
        context: relativeToStackDirectory(stack, root),
        dockerfile: 'runtime/Dockerfile',
        platform: 'linux/amd64',
      },
      triggers: { sourceHash: this.sourceHash },
      keepLocally: true,
    });
    this.push = new RegistryImage(this, 'Push', {
      name: this.image.name,
      triggers: { sourceHash: this.sourceHash },
      keepRemotely: true,
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

  public problems(): string[] {
    const root = this.options.packageRoot ?? findPackageRoot(__dirname);
    return fs.existsSync(path.join(root, 'runtime', 'Dockerfile'))
      ? []
      : [`has no runtime/Dockerfile under ${root}`];
  }

  public describe(): string {
    return 'ExporterImage.fromRuntimeSources()';
  }
}

/** The nearest directory upwards holding this package's package.json. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdktf-batch-exporter'
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
  const files = IMAGE_SOURCES.flatMap((source) => listFiles(root, source)).sort();
  for (const file of files) {
    hash.update(`${file}\u0000`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\u0000');
  }
  const digest = hash.digest('hex');
  hashes.set(root, digest);
  return digest;
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'cdktf.out', '.gen']);

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
  new DockerProvider(scope, 'Docker', {
    registryAuth: [{ address: token.proxyEndpoint, username: token.userName, password: token.password }],
  });
}
