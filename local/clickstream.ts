import { randomBytes, randomUUID } from 'node:crypto';

/** An event in the shape of the seed's clickstream example (`strmMeta` plus page data), about 430 bytes. */
export interface ClickstreamEvent {
  readonly strmMeta: {
    readonly schemaId: string;
    readonly nonce: number;
    readonly timestamp: number;
    readonly keyLink: string;
    readonly billingId: string;
    readonly consentLevels: number[];
  };
  readonly producerSessionId: string;
  readonly url: string;
  readonly eventType: string;
  readonly referrer: string;
  readonly userAgent: string;
  readonly conversion: number;
  readonly customer: { readonly id: string };
  readonly abTests: string[];
  /** A unique id per generated event, so tests can count each exactly once. */
  readonly eventId: string;
}

const PAGES = ['rules', 'pricing', 'docs', 'blog', 'about'];

/** Makes the `sequence`-th event of a run; `runId` keeps ids unique across runs. */
export function clickstreamEvent(sequence: number, runId = 'demo', now = Date.now()): ClickstreamEvent {
  return {
    strmMeta: {
      schemaId: 'clickstream',
      nonce: randomBytes(4).readInt32BE(0),
      timestamp: now,
      keyLink: randomUUID(),
      billingId: 'demo8542234275',
      consentLevels: [0, 1],
    },
    producerSessionId: randomBytes(32).toString('base64'),
    url: `https://www.strmprivacy.io/${PAGES[sequence % PAGES.length]}`,
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: randomBytes(40).toString('base64') },
    abTests: [],
    eventId: `${runId}-${sequence}`,
  };
}
