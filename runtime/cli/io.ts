/** Where CLI commands write, and their exit codes; injectable so commands can be tested in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const PROCESS_IO: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export const EXIT_OK = 0;
/** The service failed (start-up validation, a fatal S3 or Kafka error) or `validate` could not write. */
export const EXIT_FAILURE = 1;
/** Bad configuration or usage: nothing was attempted. */
export const EXIT_USAGE = 2;
