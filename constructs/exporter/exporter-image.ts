import { Token } from 'cdktf';
import { Construct } from 'constructs';

import type { RuntimeImageOptions } from './bundled-image';

/** What an exporter needs to run an image: its URI, and the ECR repository to pull from if it is ours. */
export interface BoundExporterImage {
  /** The full image reference (`registry/repository:tag` or `...@sha256:...`). */
  readonly imageUri: string;
  /**
   * ARN of the ECR repository this library created for the image; the execution role may pull from it.
   * Undefined for images from other registries (public or with their own pull credentials).
   */
  readonly repositoryArn?: string;
}

/** A problem with an image: what is wrong (completing "the value ...") and how to fix it. */
export interface ImageProblem {
  readonly problem: string;
  readonly fix: string;
}

/**
 * The container image of the exporter runtime: from a registry (`fromRegistry`), or built from this
 * package's `runtime/Dockerfile` and pushed to an ECR repository the stack creates (`fromRuntimeSources`,
 * in bundled-image.ts).
 */
export abstract class ExporterImage {
  /** An image already in a registry, e.g. `111122223333.dkr.ecr.eu-west-1.amazonaws.com/batch-exporter:1.2.0`. */
  public static fromRegistry(uri: string): ExporterImage {
    return new RegistryImage(uri);
  }

  /**
   * The runtime built from this package's runtime/Dockerfile by the Docker provider on the machine that runs
   * Terraform, pushed to an ECR repository the stack creates (one per stack, shared by its exporters), and
   * tagged with a hash of the image's sources, so a plan shows a new image only when the runtime changed.
   */
  public static fromRuntimeSources(options: RuntimeImageOptions = {}): ExporterImage {
    // Loaded on use: the Docker provider bindings are only needed by stacks that build the image.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RuntimeSourcesImage } = require('./bundled-image') as typeof import('./bundled-image');
    return new RuntimeSourcesImage(options);
  }

  /** Makes the image available in the exporter's stack; called once per exporter. */
  public abstract bind(scope: Construct): BoundExporterImage;

  /** Problems with the image, each worded to complete "the value ..." and with its fix. */
  public abstract problems(): ImageProblem[];

  /** The reference as given, for error messages. */
  public abstract describe(): string;
}

/** An image reference: registry host and path, then a tag or a digest. */
const IMAGE_REFERENCE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/;

class RegistryImage extends ExporterImage {
  public constructor(private readonly uri: string) {
    super();
  }

  public bind(): BoundExporterImage {
    return { imageUri: this.uri };
  }

  public problems(): ImageProblem[] {
    if (Token.isUnresolved(this.uri)) return [];
    if (typeof this.uri !== 'string' || !IMAGE_REFERENCE.test(this.uri)) {
      return [
        {
          problem: 'is not an image reference like "registry.example.com/batch-exporter:1.0.0"',
          fix: 'give the full image reference with a tag or digest',
        },
      ];
    }
    return [];
  }

  public describe(): string {
    return this.uri;
  }
}
