/**
 * The client's side of the hub's no-loss guarantee, for the order poll (PCS) and the record
 * poll (ERP):
 *  - each poll sends the time its previous *successful* poll started, by this machine's clock,
 *    as lastExecutionDateTime (none on the very first: the initial load);
 *  - a poll that fails keeps the old value, so the next one asks again from there; one that
 *    fails after handing over some pages is continued by the next from the page it failed on
 *    (same window), so that nothing in the pages already handed over is left unexplained;
 *  - pages are followed through `Link: <...>; rel="next"` until none is left;
 *  - 429 and 5xx answers, network errors and timeouts are retried with exponential backoff and
 *    full jitter (honouring Retry-After), bounded by tries and optionally by time; other 4xx
 *    are not retried;
 *  - every document is handed to `onDocument` as an upsert keyed by its identifier (delivery
 *    is at least once: the same version may come twice), before the state moves on;
 *  - the state lives in a StateStore (a file, or your own persistence), so it survives a restart.
 */
import type { Answer, HubClient } from './client.ts';
import { readJsonFile, writeFileAtomic } from './files.ts';
import type { DispensingWorkOrder, DispensingWorkRecord, Problem } from './generated/api.ts';
import { GaveUp, RetryLater, type RetryOptions, sleep, withRetries } from './retry.ts';

export { type RetryOptions, sleep };

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
  /** The answer's status; null when there was none (network error, timeout). */
  readonly status: number | null;
  readonly problem: Problem | null;
  /** The URL of the request that failed (null when not known). */
  readonly url: string | null;
  /** Whether polling again later can succeed (network errors, 429, 5xx); false for 400, 401, 403, 404 ... */
  readonly retryable: boolean;
  constructor(message: string, status: number | null, problem: Problem | null, url: string | null = null, retryable = false) {
    super(message);
    this.name = 'PollError';
    this.status = status;
    this.problem = problem;
    this.url = url;
    this.retryable = retryable;
  }
}

/** `title: detail` of a problem answer (or its text), for messages. */
export function problemText(body: unknown): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const p = body as Partial<Problem>;
    const parts = [p.title, p.detail].filter((x): x is string => typeof x === 'string' && x !== '');
    if (parts.length > 0) return parts.join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
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

/** A poller of one stream at one facility. */
export function createPoller<Id extends keyof Streams>(options: PollerOptions<Id>) {
  const { client, operation, facilityId, state } = options;
  const now = options.now ?? (() => new Date());

  /** One request with retries; resolves with a 200 answer or throws PollError. */
  async function fetchPage(url: string | null, sent: string | null, signal?: AbortSignal) {
    const query = { format: 'canonical', ...(sent ? { lastExecutionDateTime: sent } : {}) } as const;
    const target = url ?? client.url(operation, { facilityId }, query);
    try {
      return await withRetries(
        async (trySignal) => {
          const answer = url
            ? await client.follow(operation, url, trySignal)
            : await client.call(operation, { params: { facilityId }, query, signal: trySignal });
          const status = Number(answer.status);
          if (status === 200) return answer;
          const problem = (answer.body && typeof answer.body === 'object' ? answer.body : null) as Problem | null;
          const text = problemText(answer.body);
          const reason = `${target} answered ${status}${text ? ` ${text}` : ''}`;
          if (status !== 429 && status < 500) throw new PollError(reason, status, problem, target, false);
          const retryAfter = Number(answer.headers.get('retry-after'));
          return new RetryLater(reason, status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0, problem);
        },
        {
          ...(options.retry ? { retry: options.retry } : {}),
          ...(signal ? { signal } : {}),
          ...(options.random ? { random: options.random } : {}),
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        },
      );
    } catch (e) {
      if (!(e instanceof GaveUp)) throw e;
      const message = e.status === null ? `${target}: ${e.message}` : e.message;
      throw new PollError(message, e.status, e.answer as Problem | null, target, e.retryable);
    }
  }

  /** Where a poll that failed after some pages stopped (kept in memory, for the next poll). */
  let interrupted: { url: string; sent: string | null; started: string; documents: number; pages: number } | null = null;

  /**
   * One poll: every page, every document handed over, then the state saved. Throws (state
   * unchanged) when it could not complete; the next poll then asks again from the old time.
   */
  async function poll(signal?: AbortSignal): Promise<PollResult> {
    // A poll that failed after handing over some pages goes on from the page it failed on,
    // with its own window: starting over could not tell the PCS what changed in the pages it
    // already has (an initial load leaves cancelled orders out).
    const resumed = interrupted;
    interrupted = null;
    const sent = resumed ? resumed.sent : ((await state.load())?.lastExecutionDateTime ?? null);
    // The time of this call, taken before it is sent: the next poll's lastExecutionDateTime.
    const started = resumed ? resumed.started : now().toISOString();
    let url: string | null = resumed?.url ?? null;
    let documents = resumed?.documents ?? 0;
    let pages = resumed?.pages ?? 0;
    do {
      let answer: Answer<Id>;
      try {
        answer = await fetchPage(url, sent, signal);
        const body = answer.body as Record<string, unknown> | unknown[];
        const docs = (Array.isArray(body) ? body : body[ENVELOPE[operation]]) as Streams[Id]['document'][] | undefined;
        if (!Array.isArray(docs))
          throw new PollError(`${answer.url}: the answer has no ${ENVELOPE[operation]} array`, 200, null, answer.url);
        for (const doc of docs) await options.onDocument(doc);
        documents += docs.length;
      } catch (e) {
        // The hub no longer takes the cursor (a refusal, not an outage): start over.
        if (resumed && url === resumed.url && pages === resumed.pages && e instanceof PollError && !e.retryable && e.status !== 200)
          return poll(signal);
        if (url !== null && pages > 0) interrupted = { url, sent, started, documents, pages };
        throw e;
      }
      pages++;
      url = nextLink(answer.headers.get('link'));
    } while (url);
    await state.save({ lastExecutionDateTime: started });
    return { documents, pages, lastExecutionDateTime: started, sent };
  }

  return { poll };
}
