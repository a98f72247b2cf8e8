/**
 * `batch-exporter policy --bucket B [--prefix P]`: prints the seed's least-privilege policy for the sink's
 * IAM user, ready for `aws iam put-user-policy --policy-document file://...`.
 */
import { Command } from 'commander';
import { leastPrivilegePolicy, leastPrivilegePolicyProblems } from '../config/policy';
import { formatProblems } from '../config/problems';
import { CliIo, EXIT_OK, EXIT_USAGE } from './io';

export interface PolicyOptions {
  readonly bucket: string;
  readonly prefix?: string;
}

export function runPolicy(options: PolicyOptions, io: CliIo): number {
  const problems = leastPrivilegePolicyProblems(options.bucket, options.prefix, {
    bucket: '--bucket',
    pathPrefix: '--prefix',
  });
  if (problems.length > 0) {
    io.stderr(`${formatProblems(problems, 'batch-exporter policy')}\n`);
    return EXIT_USAGE;
  }
  io.stdout(`${JSON.stringify(leastPrivilegePolicy(options.bucket, options.prefix), null, 4)}\n`);
  return EXIT_OK;
}

export function policyCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return new Command('policy')
    .description(
      "Print the least-privilege IAM policy of the sink's user: s3:GetBucketLocation on the bucket and " +
        's3:PutObject on <bucket>/<prefix>/*.jsonl.',
    )
    .requiredOption('--bucket <name>', 'the S3 bucket the exporter writes to')
    .option('--prefix <path>', 'the path prefix inside the bucket (omit for the bucket root)')
    .addHelpText(
      'after',
      '\nExample:\n  batch-exporter policy --bucket strmprivacy-export-demo --prefix events > strm-policy.json\n' +
        '  aws iam put-user-policy --user-name strm-export-demo --policy-name strm-bucket-write-access \\\n' +
        '    --policy-document file://strm-policy.json\n',
    )
    .action((options: PolicyOptions) => setExitCode(runPolicy(options, io)));
}
