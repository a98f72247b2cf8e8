import { s3ExportApp } from '../../examples/s3-export/main';
import { synthApp, SynthesizedStack, tempOutdir } from '../support/synth';

/** The main example with deploy-time validation on and an image from a registry. */
function mainExample(): SynthesizedStack {
  return synthApp(s3ExportApp({ EXAMPLE_IMAGE: 'registry.example.com/batch-exporter:1.0.0' }, tempOutdir()))[
    's3-export'
  ];
}

describe('the dependency graph of the main example', () => {
  const out = mainExample();
  const graph = out.graph();
  const at = (path: string) => {
    const node = graph.byConstructPath(`s3-export/${path}`);
    if (!node) throw new Error(`no resource at s3-export/${path}`);
    return node.address;
  };
  const sink = ['Sink/Secret', 'Sink/Credentials', 'Sink/DeployValidation/Resource'].map(at);
  const accessKey = at('Writer/AccessKey');
  const writer = ['Writer/Policy', 'Writer/User'].map(at);
  const bucket = at('Bucket/Resource');
  const destroyOrder = graph.destroyOrder();
  const destroyedBefore = (first: string, second: string) =>
    destroyOrder.indexOf(first) < destroyOrder.indexOf(second);

  test('destroys the exporter before the sink', () => {
    for (const sinkResource of sink) {
      expect([sinkResource, graph.dependsOn(at('Exporter/Service'), sinkResource)]).toEqual([
        sinkResource,
        true,
      ]);
      expect(destroyedBefore(at('Exporter/Service'), sinkResource)).toBe(true);
    }
    expect(graph.dependsOn(at('Exporter/TaskDefinition'), at('Sink/Secret'))).toBe(true);
    expect(graph.dependsOn(at('Exporter/ExecutionRolePolicy'), at('Sink/Secret'))).toBe(true);
  });

  test('destroys the whole sink (secret, stored credentials, validation) before the access key', () => {
    for (const credentials of ['Sink/Secret', 'Sink/Credentials', 'Sink/DeployValidation/Resource'].map(at)) {
      expect(graph.dependsOn(credentials, accessKey)).toBe(true);
      expect(destroyedBefore(credentials, accessKey)).toBe(true);
    }
  });

  test('destroys the access key before the policy and the user', () => {
    for (const identity of writer) {
      expect(graph.dependsOn(accessKey, identity)).toBe(true);
      expect(destroyedBefore(accessKey, identity)).toBe(true);
    }
  });

  test('destroys the bucket after everything that writes to it', () => {
    // The execution role's policy is not here: it grants the ECS agent the secret and the logs, not the bucket.
    const writesToBucket = [at('Exporter/Service'), at('Exporter/TaskDefinition'), ...sink.slice(1)];
    for (const dependent of [...writesToBucket, accessKey, at('Writer/Policy')]) {
      expect([dependent, graph.dependsOn(dependent, bucket)]).toEqual([dependent, true]);
    }
    const bucketSettings = ['PublicAccessBlock', 'OwnershipControls', 'Encryption', 'Lifecycle', 'Policy'];
    for (const setting of bucketSettings.map((id) => at(`Bucket/${id}`))) {
      expect(graph.dependsOn(setting, bucket)).toBe(true);
    }
    expect(destroyOrder.indexOf(bucket)).toBeGreaterThan(destroyOrder.indexOf(accessKey));
  });

  test('creates in the reverse order: bucket, writer, key, sink, exporter', () => {
    const createOrder = graph.createOrder();
    const order = [bucket, at('Writer/Policy'), accessKey, at('Sink/Credentials'), at('Exporter/Service')];
    expect(order.map((address) => createOrder.indexOf(address))).toEqual(
      [...order.map((address) => createOrder.indexOf(address))].sort((a, b) => a - b),
    );
  });

  test('references nothing outside the stack', () => {
    expect(graph.referencesOutsideStack()).toEqual([]);
  });

  test('keeps every Terraform address stable (construct ids are public API)', () => {
    expect(out.addresses()).toEqual(PINNED_ADDRESSES);
  });
});

/** Renaming a construct id changes these and replaces live resources: update only on purpose. */
const PINNED_ADDRESSES: string[] = [
  'aws_cloudwatch_log_group.Exporter_Logs_A9A91E97',
  'aws_ecs_cluster.Exporter_Cluster_06682107',
  'aws_ecs_service.Exporter_Service_4FF3E485',
  'aws_ecs_task_definition.Exporter_TaskDefinition_5925084F',
  'aws_iam_access_key.Writer_AccessKey_6D5E1F29',
  'aws_iam_role.Exporter_ExecutionRole_A7CB57BB',
  'aws_iam_role.Exporter_TaskRole_3D52C726',
  'aws_iam_role_policy.Exporter_ExecutionRolePolicy_4FC65C11',
  'aws_iam_user.Writer_User_20D835AE',
  'aws_iam_user_policy.Writer_Policy_246E2A9C',
  'aws_s3_bucket.Bucket_83908E77',
  'aws_s3_bucket_lifecycle_configuration.Bucket_Lifecycle_AB41B4F7',
  'aws_s3_bucket_ownership_controls.Bucket_OwnershipControls_65BDBFA1',
  'aws_s3_bucket_policy.Bucket_Policy_E734B3B0',
  'aws_s3_bucket_public_access_block.Bucket_PublicAccessBlock_A34F3B5C',
  'aws_s3_bucket_server_side_encryption_configuration.Bucket_Encryption_016FDA0C',
  'aws_secretsmanager_secret.Sink_Secret_46E48BC7',
  'aws_secretsmanager_secret_version.Sink_Credentials_1B7CE4C3',
  'data.aws_region.Exporter_Region_3C95E574',
  'terraform_data.Sink_DeployValidation_DC92D659',
];
