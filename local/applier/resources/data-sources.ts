/** Data sources the constructs read, answered from the local AWS target. */
import { DataSourceHandler } from '../types';

export const awsRegion: DataSourceHandler = {
  locally: 'the local region',
  async read(_address, _config, { aws }) {
    return { id: aws.region, name: aws.region, region: aws.region, endpoint: aws.endpoint };
  },
};

export const awsCallerIdentity: DataSourceHandler = {
  locally: 'the local account',
  async read(_address, _config, { aws }) {
    return {
      id: aws.accountId,
      account_id: aws.accountId,
      arn: `arn:aws:iam::${aws.accountId}:user/local-admin`,
      user_id: 'local-admin',
    };
  },
};

export const awsPartition: DataSourceHandler = {
  locally: 'the aws partition',
  async read() {
    return { id: 'aws', partition: 'aws', dns_suffix: 'amazonaws.com', reverse_dns_prefix: 'com.amazonaws' };
  },
};
