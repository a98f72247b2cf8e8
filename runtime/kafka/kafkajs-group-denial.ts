/**
 * kafkajs 2.2.4 swallows FindCoordinator's GROUP_AUTHORIZATION_FAILED: it tries every broker and then
 * throws "Failed to find group coordinator" (KafkaJSGroupCoordinatorNotFound), so a missing group ACL
 * looked like an unavailable broker (seen on Apache Kafka 4.4 with the StandardAuthorizer). This patch
 * remembers the broker's refusal per group and throws it instead, so that runtime/kafka/acls.ts can name
 * the missing ACL.
 */

// kafkajs exposes no hook for this; the modules are internal, so their shape is checked at install time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Broker = require('kafkajs/src/broker') as { prototype: Record<string, unknown> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Cluster = require('kafkajs/src/cluster') as { prototype: Record<string, unknown> };

type Finder = (this: unknown, request: { groupId: string }) => Promise<unknown>;

const INSTALLED = Symbol.for('cdktf-batch-exporter.kafkajs-group-denial');
const denials = new Map<string, Error>();

/** Makes a refused FindCoordinator surface as GROUP_AUTHORIZATION_FAILED (idempotent). */
export function installGroupDenialReporting(): void {
  const cluster = Cluster.prototype as Record<string | symbol, unknown>;
  if (cluster[INSTALLED]) return;
  const brokerFind = Broker.prototype.findGroupCoordinator as Finder | undefined;
  const clusterFind = cluster.findGroupCoordinatorMetadata as Finder | undefined;
  if (typeof brokerFind !== 'function' || typeof clusterFind !== 'function') {
    throw new Error(
      'kafkajs no longer has broker findGroupCoordinator / cluster findGroupCoordinatorMetadata: check ' +
        'runtime/kafka/kafkajs-group-denial.ts against the installed kafkajs before running the exporter.',
    );
  }
  Broker.prototype.findGroupCoordinator = async function findGroupCoordinator(
    this: unknown,
    request: { groupId: string },
  ) {
    try {
      const found = await brokerFind.call(this, request);
      denials.delete(request.groupId);
      return found;
    } catch (error) {
      if ((error as { type?: string }).type === 'GROUP_AUTHORIZATION_FAILED') {
        denials.set(request.groupId, Object.assign(error as Error, { groupId: request.groupId }));
      }
      throw error;
    }
  };
  cluster.findGroupCoordinatorMetadata = async function findGroupCoordinatorMetadata(
    this: unknown,
    request: { groupId: string },
  ) {
    try {
      return await clusterFind.call(this, request);
    } catch (error) {
      const denial = denials.get(request.groupId);
      if ((error as Error).name === 'KafkaJSGroupCoordinatorNotFound' && denial) throw denial;
      throw error;
    }
  };
  cluster[INSTALLED] = true;
}
