/**
 * The one definition of what the runtime image runs. runtime/Dockerfile's ENTRYPOINT and HEALTHCHECK must
 * equal these (a test parses the Dockerfile), and tests, the local applier and the BatchExporter construct's
 * container health check use exactly these commands, so what is tested is what ships. Paths are relative to
 * the image's working directory (the package root, /app in the image).
 */
export const ENTRYPOINT: readonly string[] = ['node', 'dist/runtime/cli/main.js', 'run'];

/** Exits 0 while /healthz (on BATCH_EXPORTER_HTTP_PORT) answers 200. */
export const HEALTHCHECK_COMMAND: readonly string[] = ['node', 'dist/runtime/healthcheck.js'];

/** The image's working directory; ENTRYPOINT's relative paths resolve against it. */
export const IMAGE_WORKDIR = '/app';
