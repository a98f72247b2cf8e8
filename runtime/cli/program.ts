/** The `batch-exporter` command line: run, validate, policy and review, each with --help. */
import { Command, CommanderError } from 'commander';
import { CliIo, EXIT_OK, EXIT_USAGE, PROCESS_IO } from './io';
import { policyCommand } from './policy-command';
import { runCommand } from './run-command';
import { validateCommand } from './validate-command';

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('batch-exporter')
    .description(
      'Exports a Kafka stream to S3 as one JSONL object per consumer and interval, and helps set up the sink: ' +
        'the least-privilege policy, a credentials check, and a review of the synthesized plan.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions();
  program.addCommand(runCommand(io, setExitCode));
  program.addCommand(validateCommand(io, setExitCode));
  program.addCommand(policyCommand(io, setExitCode));
  program
    .command('review')
    .description(
      'Review a synthesized plan (cdktf.out): resources, IAM permissions, secrets; `review --help` for more.',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[arguments...]', 'passed to the review')
    .action(async (args: string[]) => {
      // Loaded on demand: the service (`run`) never pays for the plan reader and its dependencies.
      const { runReview } = await import('../../constructs/review/cli');
      setExitCode(await runReview(args, io));
    });
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  }
  return program;
}

/** Runs the CLI with `argv` (without node and script) and resolves to the process exit code. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
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
