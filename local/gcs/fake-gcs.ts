/**
 * A real GCS JSON API server for the tests and the demo: fake-gcs-server (a Go module, pinned in
 * local/gcs/fake-gcs-server.json and installed with `go install` into .cache/ by local/gcs/install.js),
 * in memory, over plain HTTP on a free port on 127.0.0.1. It accepts any credentials.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { awaitServer, freePort, own, stopProcess } from '../process';
import { projectRoot } from '../project-root';

interface Installer {
  install(): string;
  readonly pin: { readonly module: string; readonly version: string };
}

function installer(): Installer {
  // Plain JS shared with scripts/check-prerequisites.js, which runs before the build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(projectRoot(), 'local', 'gcs', 'install.js')) as Installer;
}

/** The pinned module and version, e.g. for messages and the README. */
export function fakeGcsServerPin(): { readonly module: string; readonly version: string } {
  return installer().pin;
}

/** An object as the JSON API lists it. */
export interface StoredGcsObject {
  readonly name: string;
  readonly size: number;
  readonly generation: string;
  readonly contentType?: string;
}

export interface LocalGcs {
  /** The JSON API root, e.g. `http://127.0.0.1:40123`: the sink endpoint. */
  readonly endpoint: string;
  createBucket(name: string): Promise<void>;
  /** Every object of the bucket under `prefix`, in name order (all pages). */
  listObjects(bucket: string, prefix?: string): Promise<StoredGcsObject[]>;
  readObject(bucket: string, name: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** Starts fake-gcs-server, installing it first if needed. */
export async function startFakeGcs(): Promise<LocalGcs> {
  const binary = installer().install();
  const port = await freePort();
  const child = own(
    spawn(
      binary,
      [
        '-backend',
        'memory',
        '-scheme',
        'http',
        '-host',
        '127.0.0.1',
        '-port',
        String(port),
        '-log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  await awaitServer(child, port, 'fake-gcs-server');
  const endpoint = `http://127.0.0.1:${port}`;
  const call = async (url: string, init?: RequestInit): Promise<Response> => {
    const answer = await fetch(`${endpoint}${url}`, init);
    if (!answer.ok)
      throw new Error(
        `fake-gcs-server ${init?.method ?? 'GET'} ${url}: HTTP ${answer.status} ${await answer.text()}`,
      );
    return answer;
  };
  const encode = encodeURIComponent;
  return {
    endpoint,
    createBucket: async (name) => {
      await call('/storage/v1/b?project=local', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    },
    listObjects: async (bucket, prefix) => {
      const objects: StoredGcsObject[] = [];
      let pageToken: string | undefined;
      do {
        const query = new URLSearchParams({
          maxResults: '1000',
          ...(prefix && { prefix }),
          ...(pageToken && { pageToken }),
        });
        const page = (await (await call(`/storage/v1/b/${encode(bucket)}/o?${query}`)).json()) as {
          items?: Array<{ name: string; size: string; generation: string; contentType?: string }>;
          nextPageToken?: string;
        };
        for (const item of page.items ?? []) {
          objects.push({
            name: item.name,
            size: Number(item.size),
            generation: item.generation,
            contentType: item.contentType,
          });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
      return objects.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    readObject: async (bucket, name) =>
      Buffer.from(
        await (await call(`/storage/v1/b/${encode(bucket)}/o/${encode(name)}?alt=media`)).arrayBuffer(),
      ),
    stop: () => stopProcess(child),
  };
}
