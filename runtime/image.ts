/**
 * The one definition of what the runtime image runs. runtime/Dockerfile's ENTRYPOINT must equal ENTRYPOINT
 * (a test parses it), and tests and the local applier start the exporter with exactly this command, so what
 * is tested is what ships. Paths are relative to the image's working directory (the package root).
 */
export const ENTRYPOINT: readonly string[] = ['node', 'dist/runtime/cli/main.js', 'run'];

/** The image's health check target: /healthz on the default httpPort. */
export const HEALTHCHECK_URL = 'http://127.0.0.1:8080/healthz';
