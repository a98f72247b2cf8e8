/** The exporter's log group on moto's CloudWatch Logs (task output itself goes to local log files). */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { HandlerContext, LocalAwsTarget, ResourceHandler } from '../types';
import { optionalNumber, optionalString, requireString } from './arguments';

function logsClient(aws: LocalAwsTarget): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: aws.credentials,
  });
}

export const cloudwatchLogGroup: ResourceHandler = {
  locally: 'log group on moto CloudWatch Logs',
  async create(address, config, { aws }: HandlerContext) {
    const name = requireString(config, 'name', address);
    const client = logsClient(aws);
    await client.send(
      new CreateLogGroupCommand({ logGroupName: name, kmsKeyId: optionalString(config, 'kms_key_id') }),
    );
    const retention = optionalNumber(config, 'retention_in_days');
    if (retention !== undefined && retention > 0) {
      await client.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: retention }));
    }
    return { id: name, arn: `arn:aws:logs:${aws.region}:${aws.accountId}:log-group:${name}` };
  },
  async destroy(resource, { aws }) {
    if (resource.attributes.skip_destroy === true) {
      return `kept log group ${resource.attributes.name} (skip_destroy)`;
    }
    await logsClient(aws).send(new DeleteLogGroupCommand({ logGroupName: String(resource.attributes.name) }));
    return `deleted log group ${resource.attributes.name}`;
  },
};
