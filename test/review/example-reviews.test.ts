import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { projectRoot } from '../../local/project-root';
import { EXAMPLES, writeExampleReviews } from './example-reviews';

describe('the checked-in example reviews (docs/review)', () => {
  let fresh: string;
  let codes: Record<string, number>;

  beforeAll(async () => {
    fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'example-reviews-'));
    codes = await writeExampleReviews(fresh);
  });
  afterAll(() => fs.rmSync(fresh, { recursive: true, force: true }));

  test('every guard passes on every example', () => {
    expect(codes).toEqual({ 's3-export': 0, 'existing-bucket': 0, 'gcs-export': 0 });
  });

  test.each(EXAMPLES.map((e) => e.name))(
    '%s: text, JSON, SVG and Mermaid are up to date (run `npm run review`)',
    (name) => {
      const checkedIn = path.join(projectRoot(), 'docs', 'review', name);
      const files = fs.readdirSync(path.join(fresh, name)).sort();
      expect(files).toEqual(['review.json', 'review.txt', `${name}.graph.mmd`, `${name}.graph.svg`].sort());
      expect(fs.existsSync(checkedIn) ? fs.readdirSync(checkedIn).sort() : []).toEqual(files);
      for (const file of files) {
        const expected = fs.readFileSync(path.join(fresh, name, file), 'utf8');
        expect({ file, text: fs.readFileSync(path.join(checkedIn, file), 'utf8') }).toEqual({
          file,
          text: expected,
        });
      }
    },
  );

  test('the reports hold no path of the machine that wrote them', () => {
    for (const name of EXAMPLES.map((e) => e.name)) {
      for (const file of fs.readdirSync(path.join(fresh, name))) {
        const text = fs.readFileSync(path.join(fresh, name, file), 'utf8');
        expect(text).not.toContain(os.tmpdir());
        expect(text).not.toContain(projectRoot());
      }
    }
  });
});
