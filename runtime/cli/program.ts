/**
 * The runtime's `batch-exporter` command line: run, validate and policy, each with --help. The image runs it
 * (runtime/image.ts); the npm package's bin adds `review` to it (review/main.ts).
 */
import { Command, CommanderError } from 'commander';
import { CliIo, EXIT_OK, EXIT_USAGE, PROCESS_IO } from './io';
import { policyCommand } from './policy-command';
import { runCommand } from './run-command';
import { validateCommand } from './validate-command';

/** Builds one more subcommand; it reports its exit code through `setExitCode`. */
export type CommandFactory = (io: CliIo, setExitCode: (code: number) => void) => Command;

function buildProgram(
  io: CliIo,
  setExitCode: (code: number) => void,
  extraCommands: readonly CommandFactory[],
): Command {
  const program = new Command('batch-exporter')
    .description(
      'Exports a Kafka stream to S3 as one JSONL object per consumer and interval, and helps set up the sink: ' +
        'the least-privilege policy and a credentials check.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions();
  program.addCommand(runCommand(io, setExitCode));
  program.addCommand(validateCommand(io, setExitCode));
  program.addCommand(policyCommand(io, setExitCode));
  for (const add of extraCommands) program.addCommand(add(io, setExitCode));
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  }
  return program;
}

/**
 * Runs the CLI with `argv` (without node and script) and resolves to the process exit code. `extraCommands`
 * are added after the runtime's own (the package's bin adds `review`).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = PROCESS_IO,
  extraCommands: readonly CommandFactory[] = [],
): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    extraCommands,
  );
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end as "errors" with exit code 0; usage errors are exit 2 like bad configuration.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    throw error;
  }
  return exitCode;
}
