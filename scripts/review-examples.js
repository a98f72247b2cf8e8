// Regenerates the checked-in review reports of the examples (docs/review/<example>/: review.txt,
// review.json, <stack>.graph.svg, <stack>.graph.mmd). Run through `npm run review`, which builds first.
const path = require('node:path');

const root = path.join(__dirname, '..');
const { regenerateExampleReviews } = require(path.join(root, 'dist', 'test', 'review', 'example-reviews.js'));

regenerateExampleReviews(path.join('docs', 'review')).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  },
);
