import { evaluateDeep, evaluateTemplate, ReferenceResolver, Value } from '../../local/applier/expression';

const attributes: Record<string, Record<string, Value>> = {
  'aws_s3_bucket.B': { bucket: 'my-bucket', arn: 'arn:aws:s3:::my-bucket', tags: { team: 'data' } },
  'aws_iam_access_key.K': { id: 'AKIA1', secret: 's3cr3t', ids: ['a', 'b'] },
  'data.aws_region.R': { region: 'eu-west-1' },
};
const resolver: ReferenceResolver = {
  attribute: (root, name) => {
    const value = attributes[root]?.[name];
    if (value === undefined) throw new Error(`unknown ${root}.${name}`);
    return value;
  },
};

describe('Terraform expression evaluation in the local applier', () => {
  test('a string that is one interpolation keeps the value as it is', () => {
    expect(evaluateTemplate('${aws_s3_bucket.B.tags}', resolver)).toEqual({ team: 'data' });
  });

  test('interpolations inside text are joined into a string', () => {
    expect(evaluateTemplate('${aws_s3_bucket.B.arn}/events/*.jsonl', resolver)).toBe(
      'arn:aws:s3:::my-bucket/events/*.jsonl',
    );
    expect(evaluateTemplate('arn:aws:logs:${data.aws_region.R.region}:1:log-group', resolver)).toBe(
      'arn:aws:logs:eu-west-1:1:log-group',
    );
  });

  test('jsonencode of an object literal with references, as cdktf writes Fn.jsonencode', () => {
    const text =
      '${jsonencode({"AccessKey" = {"UserName" = "u", "AccessKeyId" = aws_iam_access_key.K.id, ' +
      '"SecretAccessKey" = aws_iam_access_key.K.secret, "Count" = 2, "On" = true, "None" = null}})}';
    expect(JSON.parse(evaluateTemplate(text, resolver) as string)).toEqual({
      AccessKey: {
        UserName: 'u',
        AccessKeyId: 'AKIA1',
        SecretAccessKey: 's3cr3t',
        Count: 2,
        On: true,
        None: null,
      },
    });
  });

  test('index steps, tuples, escapes and the $${ literal', () => {
    expect(evaluateTemplate('${aws_iam_access_key.K.ids[1]}', resolver)).toBe('b');
    expect(evaluateTemplate('${jsonencode(["x\\"y", aws_s3_bucket.B.tags["team"]])}', resolver)).toBe(
      '["x\\"y","data"]',
    );
    expect(evaluateTemplate('$${not.a.reference}', resolver)).toBe('${not.a.reference}');
  });

  test('evaluates every string in a block and leaves cdktf metadata out', () => {
    expect(
      evaluateDeep(
        { '//': { metadata: {} }, bucket: '${aws_s3_bucket.B.bucket}', rule: [{ days: 7 }] },
        resolver,
      ),
    ).toEqual({ bucket: 'my-bucket', rule: [{ days: 7 }] });
  });

  test('fails naming a function it does not implement, and the supported ones', () => {
    expect(() => evaluateTemplate('${upper(aws_s3_bucket.B.bucket)}', resolver)).toThrow(
      /function upper\(\) is not supported by the local applier \(supported: jsonencode\(\)\)/,
    );
  });

  test('fails on operators, conditionals and for expressions instead of guessing', () => {
    expect(() => evaluateTemplate('${aws_s3_bucket.B.bucket == "x" ? 1 : 2}', resolver)).toThrow(
      /operator "=" is not supported/,
    );
    expect(() => evaluateTemplate('${[for s in aws_iam_access_key.K.ids : s]}', resolver)).toThrow(
      /"for" expressions are not supported/,
    );
    expect(() => evaluateTemplate('${var.region}', resolver)).toThrow(/var.\* values are not supported/);
  });

  test('fails when a list or object is put inside a string', () => {
    expect(() => evaluateTemplate('tags: ${aws_s3_bucket.B.tags}', resolver)).toThrow(
      /cannot interpolate an object into a string .*; wrap it in jsonencode\(\)/,
    );
  });
});
