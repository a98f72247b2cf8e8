/**
 * `npm test` runs this before jest: it fetches the Apache Kafka jars once (Maven), so that no test's
 * start-up timeout includes a download.
 */
import path from 'node:path';
import { kafkaDistribution } from './distribution';

const started = Date.now();
const distribution = kafkaDistribution();
console.log(
  `Apache Kafka ${distribution.version}: ${distribution.classPath.split(path.delimiter).length} jars in ` +
    `${distribution.cacheDir} (${Date.now() - started} ms)`,
);
