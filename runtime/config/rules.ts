/**
 * Naming rules shared by the runtime configuration, the `policy` command and the constructs: each check
 * returns every rule the value breaks (empty when valid), worded to complete "the value ...".
 */

/** S3 general purpose bucket naming rules (AWS "Bucket naming rules"). */
export const BUCKET_NAME_PATTERN = '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';

const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

export const BUCKET_NAME_RULE =
  '3 to 63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or ' +
  'digit, no "..", not an IP address, not starting with xn--, sthree- or amzn-s3-demo-, not ending with ' +
  '-s3alias, --ol-s3, .mrap, --x-s3 or --table-s3';

export function bucketNameProblems(bucket: string): string[] {
  const problems: string[] = [];
  if (bucket.length < 3 || bucket.length > 63)
    problems.push(`is ${bucket.length} characters long (3 to 63 allowed)`);
  if (/[^a-z0-9.-]/.test(bucket))
    problems.push('contains characters other than lowercase letters, digits, "." and "-"');
  if (bucket.length > 0 && !/^[a-z0-9]/.test(bucket))
    problems.push('does not start with a lowercase letter or digit');
  if (bucket.length > 0 && !/[a-z0-9]$/.test(bucket))
    problems.push('does not end with a lowercase letter or digit');
  if (bucket.includes('..')) problems.push('contains ".."');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) problems.push('is formatted as an IP address');
  for (const prefix of RESERVED_BUCKET_PREFIXES) {
    if (bucket.startsWith(prefix)) problems.push(`starts with the reserved prefix "${prefix}"`);
  }
  for (const suffix of RESERVED_BUCKET_SUFFIXES) {
    if (bucket.endsWith(suffix)) problems.push(`ends with the reserved suffix "${suffix}"`);
  }
  return problems;
}

export const PATH_PREFIX_MAX_LENGTH = 900;

/**
 * The prefix is joined as `<prefix>/<object>`; a leading, trailing or double slash would make a key with an
 * empty path segment, which the seed's policy ARN (`<bucket>/<prefix>/*.jsonl`) would not match.
 */
export const PATH_PREFIX_PATTERN =
  '^(?!/)(?!.*//)(?!.*/$)(?!\\.{1,2}$)(?!\\.{1,2}/)(?!.*/\\.{1,2}$)(?!.*/\\.{1,2}/)[^\\u0000-\\u001f\\u007f]+$';

export const PATH_PREFIX_RULE =
  'a path like "events" or "exports/clicks": no leading or trailing "/", no "//", no "." or ".." segment, ' +
  `at most ${PATH_PREFIX_MAX_LENGTH} characters; leave it unset to write to the bucket root`;

export function pathPrefixProblems(prefix: string): string[] {
  const problems: string[] = [];
  if (prefix.length === 0) problems.push('is empty (leave it unset for the bucket root)');
  if (prefix.length > PATH_PREFIX_MAX_LENGTH) {
    problems.push(`is ${prefix.length} characters long (at most ${PATH_PREFIX_MAX_LENGTH})`);
  }
  if (prefix.startsWith('/')) problems.push('starts with "/"');
  if (prefix.length > 1 && prefix.endsWith('/')) problems.push('ends with "/"');
  if (prefix.includes('//')) problems.push('contains "//"');
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    problems.push('has a "." or ".." path segment');
  }
  if ([...prefix].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
    problems.push('contains control characters');
  }
  return problems;
}

export const REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-[0-9]+$';
