import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Annotations, TerraformOutput } from 'cdktf';

import { synthStack } from '../support/synth';

describe('synthStack', () => {
  test('returns the resources of the synthesized cdk.tf.json by type and construct path', () => {
    const out = synthStack((scope) => {
      const bucket = new S3Bucket(scope, 'Bucket', { bucket: 'b' });
      new TerraformOutput(scope, 'Name', { value: bucket.bucket });
    });
    expect(out.resourceAt('aws_s3_bucket', 'Bucket').body).toMatchObject({ bucket: 'b' });
    expect(out.addresses()).toEqual([`aws_s3_bucket.${out.onlyResource('aws_s3_bucket').name}`]);
    expect(out.json.output).toBeDefined();
  });

  test('records warnings the constructs add', () => {
    const out = synthStack((scope) => Annotations.of(scope).addWarning('careful'));
    expect(out.annotationsOf('warn').map((a) => a.message)).toEqual(['careful']);
  });

  test('fails like the CLI when a construct reports an error annotation', () => {
    expect(() => synthStack((scope) => Annotations.of(scope).addError('broken'))).toThrow(/broken/);
  });

  test('fails like the CLI when a construct validation fails', () => {
    expect(() =>
      synthStack((scope) => scope.node.addValidation({ validate: () => ['validation said no'] })),
    ).toThrow(/validation said no/);
  });
});
