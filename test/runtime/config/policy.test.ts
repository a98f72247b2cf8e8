import { leastPrivilegePolicy, leastPrivilegePolicyProblems } from '../../../runtime/config/policy';

describe('leastPrivilegePolicy', () => {
  test('grants GetBucketLocation on the bucket and PutObject on prefix/*.jsonl, as in the seed', () => {
    expect(leastPrivilegePolicy('strmprivacy-export-demo', 'events')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation'],
          Resource: 'arn:aws:s3:::strmprivacy-export-demo',
        },
        {
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: 'arn:aws:s3:::strmprivacy-export-demo/events/*.jsonl',
        },
      ],
    });
  });

  test('leaves out the prefix and its slash without a prefix, so there is never a double slash', () => {
    const policy = leastPrivilegePolicy('strmprivacy-export-demo');
    expect(policy.Statement[1].Resource).toBe('arn:aws:s3:::strmprivacy-export-demo/*.jsonl');
    expect(JSON.stringify(policy)).not.toContain('//');
  });

  test('keeps nested prefixes as they are', () => {
    expect(leastPrivilegePolicy('b-1', 'exports/clicks').Statement[1].Resource).toBe(
      'arn:aws:s3:::b-1/exports/clicks/*.jsonl',
    );
  });
});

describe('leastPrivilegePolicyProblems', () => {
  test('accepts a valid bucket with and without prefix', () => {
    expect(leastPrivilegePolicyProblems('strmprivacy-export-demo', 'events')).toEqual([]);
    expect(leastPrivilegePolicyProblems('strmprivacy-export-demo', undefined)).toEqual([]);
  });

  test('fails with every problem of the bucket and the prefix at once', () => {
    const problems = leastPrivilegePolicyProblems('192.168.1.1', 'a/../b/', {
      bucket: '--bucket',
      pathPrefix: '--prefix',
    });
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^bucket \(--bucket\) is not a valid S3 bucket name: it is formatted as an IP address \(got "192\.168\.1\.1"\)\. Fix: /,
      ),
      expect.stringMatching(
        /^pathPrefix \(--prefix\) is not a valid path prefix: it ends with "\/", has a "\." or "\.\." path segment/,
      ),
    ]);
  });
});
