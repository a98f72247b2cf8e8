import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('the runtime source', () => {
  const files = sourceFiles(path.join(projectRoot(), 'runtime'));

  test('sends only GetBucketLocation and PutObject to S3 (no HeadBucket, List or Get)', () => {
    const commands = new Set<string>();
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      if (!text.includes('@aws-sdk/client-s3')) continue;
      for (const match of text.matchAll(/\b(\w+)Command\b/g)) commands.add(match[1]);
    }
    expect([...commands].sort()).toEqual(['GetBucketLocation', 'PutObject']);
  });

  test('consumes with kafkajs only in runtime/kafka/', () => {
    const users = files
      .filter((file) => /from 'kafkajs'/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(projectRoot(), file).split(path.sep).join('/'));
    const outside = users.filter(
      (file) => !file.startsWith('runtime/kafka/') && file !== 'runtime/config/kafkajs.ts',
    );
    expect(outside).toEqual([]);
  });
});
