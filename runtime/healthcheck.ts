/**
 * The image's HEALTHCHECK: exits 0 when the exporter's /healthz answers 200, 1 otherwise. Reads the same
 * BATCH_EXPORTER_HTTP_PORT as the service; with the HTTP server disabled (0) there is nothing to ask, so
 * the container is reported healthy as long as it runs.
 */
import { ENVIRONMENT } from './config/environment';
import { DEFAULT_HTTP_PORT } from './config/schema';

export async function checkHealth(env: NodeJS.ProcessEnv, timeoutMs = 3_000): Promise<number> {
  const configured = env[ENVIRONMENT.httpPort]?.trim();
  const port = configured ? Number(configured) : DEFAULT_HTTP_PORT;
  if (port === 0) return 0;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

if (require.main === module) {
  void checkHealth(process.env).then((code) => process.exit(code));
}
