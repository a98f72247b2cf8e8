/**
 * The three pieces of the kreuzwerker/docker Terraform provider the runtime image needs (the provider with
 * registry credentials, `docker_image` and `docker_registry_image`), written on the framework's generic
 * TerraformProvider and TerraformResource. They synthesize the same JSON as the prebuilt
 * `@cdktf/provider-docker` bindings, but work under cdktf and CDK Terrain (cdktn) alike: cdktn publishes no
 * docker provider, and a prebuilt binding of one framework cannot join the construct tree of the other.
 */
import { TerraformProvider, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

/** The provider release these bindings follow (as `@cdktf/provider-docker` 12 pins it). */
const DOCKER_PROVIDER = {
  providerName: 'docker',
  providerVersion: '3.6.2',
  providerVersionConstraint: '~> 3.0',
};

/** Credentials of one registry the provider pushes to. */
export interface DockerRegistryAuth {
  readonly address: string;
  readonly username: string;
  readonly password: string;
}

/** `provider "docker"` logging in to the given registries. */
export class DockerProvider extends TerraformProvider {
  public constructor(
    scope: Construct,
    id: string,
    private readonly registryAuth: readonly DockerRegistryAuth[],
  ) {
    super(scope, id, {
      terraformResourceType: 'docker',
      terraformGeneratorMetadata: DOCKER_PROVIDER,
      terraformProviderSource: 'kreuzwerker/docker',
    });
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return {
      registry_auth: this.registryAuth.map(({ address, username, password }) => ({
        address,
        password,
        username,
      })),
    };
  }
}

/** What `docker_image` builds. */
export interface DockerImageBuild {
  readonly context: string;
  readonly dockerfile: string;
  readonly platform: string;
}

/** `docker_image`: builds `name` from a context and Dockerfile on the machine that runs Terraform. */
export class DockerImage extends TerraformResource {
  public constructor(
    scope: Construct,
    id: string,
    private readonly config: {
      readonly name: string;
      readonly build: DockerImageBuild;
      readonly triggers: Readonly<Record<string, string>>;
    },
  ) {
    super(scope, id, { terraformResourceType: 'docker_image', terraformGeneratorMetadata: DOCKER_PROVIDER });
  }

  /** The image name, as a reference: what depends on it waits for the build. */
  public get name(): string {
    return this.getStringAttribute('name');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const { context, dockerfile, platform } = this.config.build;
    return {
      build: { context, dockerfile, platform },
      keep_locally: true,
      name: this.config.name,
      triggers: this.config.triggers,
    };
  }
}

/** `docker_registry_image`: pushes the local image `name` to its registry. */
export class DockerRegistryImage extends TerraformResource {
  public constructor(
    scope: Construct,
    id: string,
    private readonly config: { readonly name: string; readonly triggers: Readonly<Record<string, string>> },
  ) {
    super(scope, id, {
      terraformResourceType: 'docker_registry_image',
      terraformGeneratorMetadata: DOCKER_PROVIDER,
    });
  }

  /** The pushed image's name, as a reference: a task definition using it waits for the push. */
  public get name(): string {
    return this.getStringAttribute('name');
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { keep_remotely: true, name: this.config.name, triggers: this.config.triggers };
  }
}
