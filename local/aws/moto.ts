import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  IAMClient,
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awaitServer, freePort, own, stopProcess } from '../process';
import { projectRoot } from '../project-root';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface MotoOptions {
  /**
   * Authenticate every request and enforce IAM user policies (moto's INITIAL_NO_AUTH_ACTION_COUNT).
   * An administrator user is created first; its credentials are `adminCredentials`.
   * @default false
   */
  readonly enforceIam?: boolean;
}

/** A running moto_server on 127.0.0.1 serving S3, IAM, STS and Secrets Manager. */
export interface LocalAws {
  readonly endpoint: string;
  readonly region: string;
  readonly enforceIam: boolean;
  /** The moto_server process id, e.g. to read its CPU time from /proc. */
  readonly pid: number;
  /** Credentials allowed to do everything (in enforced mode: a user with an `*` policy). */
  readonly adminCredentials: AwsCredentials;
  s3(credentials?: AwsCredentials): S3Client;
  iam(credentials?: AwsCredentials): IAMClient;
  secretsManager(credentials?: AwsCredentials): SecretsManagerClient;
  /** Creates an IAM user with one inline policy and returns its new access key. */
  createUserWithPolicy(userName: string, policy: object): Promise<AwsCredentials>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const UNENFORCED_CREDENTIALS: AwsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startMoto(options: MotoOptions = {}): Promise<LocalAws> {
  const enforceIam = options.enforceIam ?? false;
  const port = await freePort();
  const script = path.join(projectRoot(), 'local', 'aws', 'moto_server.py');
  const args = [script, '-H', '127.0.0.1', '-p', String(port), ...(enforceIam ? ['--enforce-iam'] : [])];
  const child = own(
    spawn(process.env.PYTHON ?? 'python3', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: enforceIam ? '3' : 'inf' },
    }),
  );
  await awaitServer(child, port, 'moto_server', 'Install it with: pip install "moto[server]"');
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = (credentials: AwsCredentials) => ({ endpoint, region: REGION, credentials });
  const iam = (credentials: AwsCredentials) => new IAMClient(clientConfig(credentials));

  async function createUserWithPolicy(
    client: IAMClient,
    userName: string,
    policy: object,
  ): Promise<AwsCredentials> {
    await client.send(new CreateUserCommand({ UserName: userName }));
    await client.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: `${userName}-policy`,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    const { AccessKey } = await client.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }

  // In enforced mode the first three requests (exactly these three) are the unauthenticated bootstrap.
  const adminCredentials = enforceIam
    ? await createUserWithPolicy(iam(UNENFORCED_CREDENTIALS), 'local-admin', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      })
    : UNENFORCED_CREDENTIALS;

  return {
    endpoint,
    region: REGION,
    enforceIam,
    pid: child.pid!,
    adminCredentials,
    s3: (credentials = adminCredentials) =>
      new S3Client({ ...clientConfig(credentials), forcePathStyle: true }),
    iam: (credentials = adminCredentials) => iam(credentials),
    secretsManager: (credentials = adminCredentials) => new SecretsManagerClient(clientConfig(credentials)),
    createUserWithPolicy: (userName, policy) => createUserWithPolicy(iam(adminCredentials), userName, policy),
    stop: () => stopProcess(child),
  };
}
