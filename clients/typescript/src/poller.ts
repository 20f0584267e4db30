/**
 * The client's side of the hub's no-loss guarantee, for the order poll (PCS) and the record
 * poll (ERP):
 *  - each poll sends the time its previous *successful* poll started, by this machine's clock,
 *    as lastExecutionDateTime (none on the very first: the initial load);
 *  - a poll that fails keeps the old value, so the next one asks again from there;
 *  - pages are followed through `Link: <...>; rel="next"` until none is left;
 *  - 429 and 5xx answers and network errors are retried with exponential backoff and full
 *    jitter (honouring Retry-After); other 4xx are not retried;
 *  - every document is handed to `onDocument` as an upsert keyed by its identifier (delivery
 *    is at least once: the same version may come twice), before the state moves on;
 *  - the state lives in a StateStore (a file, or your own persistence), so it survives a restart.
 */
import type { HubClient } from './client.ts';
import { readJsonFile, writeFileAtomic } from './files.ts';
import type { DispensingWorkOrder, DispensingWorkRecord, Problem } from './generated/api.ts';

/** What a poller remembers between polls. */
export interface PollState {
  /** When the last successful poll started (ISO 8601, UTC); null before the first. */
  lastExecutionDateTime: string | null;
}

/** Where the state is kept. */
export interface StateStore {
  load(): Promise<PollState | null>;
  save(state: PollState): Promise<void>;
}

/** The state in a JSON file, replaced atomically. */
export function fileState(file: string): StateStore {
  return {
    load: () => readJsonFile<PollState>(file),
    save: (state) => writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`),
  };
}

type Streams = {
  pollWorkOrders: { envelope: 'dispensingWorkOrder'; document: DispensingWorkOrder };
  pollWorkRecords: { envelope: 'dispensingWorkRecord'; document: DispensingWorkRecord };
};
const ENVELOPE = { pollWorkOrders: 'dispensingWorkOrder', pollWorkRecords: 'dispensingWorkRecord' } as const;

export interface RetryOptions {
  /** Tries per request, the first included (default 6). */
  attempts?: number;
  /** The first backoff's upper bound (default 500 ms); it doubles per attempt ... */
  baseMs?: number;
  /** ... up to this (default 30 s). */
  maxMs?: number;
}

export interface PollerOptions<Id extends keyof Streams> {
  client: HubClient;
  operation: Id;
  facilityId: string;
  state: StateStore;
  /** Receives each served document, oldest change first: upsert it by its identifier. */
  onDocument: (document: Streams[Id]['document']) => Promise<void> | void;
  retry?: RetryOptions;
  /** Told about each retry (logging). */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  /** For tests: the clock and the randomness of the jitter. */
  now?: () => Date;
  random?: () => number;
}

export interface PollResult {
  documents: number;
  pages: number;
  /** The value the next poll sends. */
  lastExecutionDateTime: string;
  /** The value this poll sent (null: the initial load). */
  sent: string | null;
}

/** A poll that did not complete; the state was left as it was. */
export class PollError extends Error {
  readonly status: number | null;
  readonly problem: Problem | null;
  constructor(message: string, status: number | null, problem: Problem | null) {
    super(message);
    this.name = 'PollError';
    this.status = status;
    this.problem = problem;
  }
}

/** The `rel="next"` target of a Link header, if any. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2]!)) return m[1]!;
  }
  return null;
}

/** A wait that ends early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A poller of one stream at one facility. */
export function createPoller<Id extends keyof Streams>(options: PollerOptions<Id>) {
  const { client, operation, facilityId, state } = options;
  const attempts = options.retry?.attempts ?? 6;
  const baseMs = options.retry?.baseMs ?? 500;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;

  /** One request with retries; resolves with a 200 answer or throws PollError. */
  async function fetchPage(url: string | null, sent: string | null, signal?: AbortSignal) {
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      let retryAfterMs = 0;
      try {
        const answer = url
          ? await client.follow(operation, url, signal)
          : await client.call(operation, {
              params: { facilityId },
              query: { format: 'canonical', ...(sent ? { lastExecutionDateTime: sent } : {}) },
              ...(signal ? { signal } : {}),
            });
        const status = Number(answer.status);
        if (status === 200) return answer;
        const problem = (typeof answer.body === 'object' ? answer.body : null) as Problem | null;
        const detail = problem?.detail ?? String(answer.body ?? '');
        if (status !== 429 && status < 500) throw new PollError(`${operation} answered ${status}: ${detail}`, status, problem);
        reason = `${status} ${detail}`.trim();
        const retryAfter = Number(answer.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        if (attempt >= attempts) throw new PollError(`${operation} answered ${status} ${attempt} times: ${detail}`, status, problem);
      } catch (e) {
        if (e instanceof PollError || signal?.aborted) throw e;
        reason = (e as Error).message;
        if (attempt >= attempts) throw new PollError(`${operation} failed ${attempt} times: ${reason}`, null, null);
      }
      // Full jitter: a random wait up to the attempt's bound, so that many clients spread out.
      const waitMs = Math.max(retryAfterMs, Math.round(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1))));
      options.onRetry?.({ attempt, waitMs, reason });
      await sleep(waitMs, signal);
    }
  }

  return {
    /**
     * One poll: every page, every document handed over, then the state saved. Throws (state
     * unchanged) when it could not complete; the next poll then asks again from the old time.
     */
    async poll(signal?: AbortSignal): Promise<PollResult> {
      const sent = (await state.load())?.lastExecutionDateTime ?? null;
      // The time of this call, taken before it is sent: the next poll's lastExecutionDateTime.
      const started = now().toISOString();
      let url: string | null = null;
      let documents = 0;
      let pages = 0;
      do {
        const answer = await fetchPage(url, sent, signal);
        const body = answer.body as Record<string, unknown> | unknown[];
        const docs = (Array.isArray(body) ? body : body[ENVELOPE[operation]]) as Streams[Id]['document'][] | undefined;
        if (!Array.isArray(docs)) throw new PollError(`${operation}: the answer has no ${ENVELOPE[operation]} array`, 200, null);
        for (const doc of docs) await options.onDocument(doc);
        documents += docs.length;
        pages++;
        url = nextLink(answer.headers.get('link'));
      } while (url);
      await state.save({ lastExecutionDateTime: started });
      return { documents, pages, lastExecutionDateTime: started, sent };
    },
  };
}
