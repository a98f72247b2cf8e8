/** `batch-exporter review`, as a subcommand of the runtime's command line (see review/main.ts). */
import { Command } from 'commander';
import type { CliIo } from '../runtime/cli/io';
import { runReview } from './cli';

/** The `review` subcommand: everything after `review` goes to the review's own parser (`review --help`). */
export function reviewCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('review')
    .description(
      'Review a synthesized plan (cdktf.out): resources, IAM permissions, secrets; `review --help` for more.',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[arguments...]', 'passed to the review')
    .action(async (args: string[]) => {
      setExitCode(await runReview(args, io));
    });
}
