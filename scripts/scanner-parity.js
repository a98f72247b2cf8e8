// Regenerates docs/scanner-parity.md from a real checkov run (the pinned checkov of .cache/checkov or
// $BATCH_EXPORTER_CHECKOV). Run through `npm run parity`, which builds first.
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const { pinnedCheckov } = require(path.join(dist, 'test', 'support', 'checkov.js'));
const { writeParity } = require(path.join(dist, 'test', 'review', 'scanner-parity.js'));

Promise.resolve()
  .then(() => writeParity(pinnedCheckov()))
  .then(
    (file) => process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`),
    (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    },
  );
