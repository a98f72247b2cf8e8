/** Connects a CLI's `main` to the process: its exit code, failures nobody awaited, and leftover timers. */
import { EXIT_FAILURE } from './io';

/** Runs `main` with the process arguments and exits with the code it resolves to. */
export function runAsProcess(main: (argv: readonly string[]) => Promise<number>): void {
  process.on('unhandledRejection', (reason) => {
    // A promise no one awaited failed: the service's state is unknown, so it stops rather than sits idle.
    process.stderr.write(
      `batch-exporter: unexpected failure: ${reason instanceof Error ? reason.message : String(reason)}\n`,
    );
    process.exit(EXIT_FAILURE);
  });

  void main(process.argv.slice(2)).then(
    (code) => {
      // Exit explicitly: a client library's leftover timer must not keep a stopped service alive.
      process.stdout.write('', () => process.exit(code));
    },
    (error: unknown) => {
      process.stderr.write(`batch-exporter: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(EXIT_FAILURE);
    },
  );
}
