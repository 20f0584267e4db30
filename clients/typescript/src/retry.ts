/**
 * Retrying one request, for the poller and the reference commands: only what can succeed later
 * is retried (network errors, timeouts, 429 and 5xx answers), with exponential backoff and full
 * jitter, honouring Retry-After, bounded by a number of tries and, optionally, by time. Failures
 * are described in words ("connection refused", "host not found", "timed out after 30 s").
 */

export interface RetryOptions {
  /** Tries per request, the first included (default 6; `Infinity` leaves the bound to giveUpAfterMs). */
  attempts?: number;
  /** The first backoff's upper bound (default 500 ms); it doubles per attempt ... */
  baseMs?: number;
  /** ... up to this (default 30 s). */
  maxMs?: number;
  /** Give up rather than retry past this long after the request's first try (default: no bound but `attempts`). */
  giveUpAfterMs?: number;
  /** Each try's own time limit (default 60 s; less when giveUpAfterMs leaves less). */
  timeoutMs?: number;
}

/** What a try answers when it should be tried again later (a 429 or 5xx answer). */
export class RetryLater {
  readonly reason: string;
  readonly status: number | null;
  readonly retryAfterMs: number;
  readonly answer: unknown;
  constructor(reason: string, status: number | null, retryAfterMs = 0, answer: unknown = undefined) {
    this.reason = reason;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.answer = answer;
  }
}

/** Retrying stopped: out of tries or time, or the failure cannot succeed later (a refused TLS certificate). */
export class GaveUp extends Error {
  readonly reason: string;
  /** The last answer's status; null when there was none (network error, timeout). */
  readonly status: number | null;
  readonly tries: number;
  readonly elapsedMs: number;
  /** The last try's answer (a RetryLater's), if any. */
  readonly answer: unknown;
  /** Whether trying again later could succeed. */
  readonly retryable: boolean;
  constructor(last: RetryLater, tries: number, elapsedMs: number, retryable: boolean) {
    const spent = tries > 1 ? ` (gave up after ${tries} tries in ${Math.round(elapsedMs / 1000)} s)` : '';
    super(`${last.reason}${spent}`);
    this.name = 'GaveUp';
    this.reason = last.reason;
    this.status = last.status;
    this.tries = tries;
    this.elapsedMs = elapsedMs;
    this.answer = last.answer;
    this.retryable = retryable;
  }
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

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_NONAME: 'host not found',
  EAI_NODATA: 'host not found',
  EAI_AGAIN: 'host not found (the name lookup failed for now)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
  UND_ERR_SOCKET: 'connection closed by the other side',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
};
/** Codes of failures that will not go away by themselves: not retried (ENOTFOUND: the name does not exist; EAI_AGAIN is retried). */
const PERMANENT = /^(ENOTFOUND$|ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_SSL_|ERR_INVALID_URL)/;
const TLS = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_SSL_)/;

type Coded = Error & { code?: unknown; cause?: unknown; errors?: unknown[] };

/** The error and its causes (AggregateError members included), outermost first. */
function chain(e: unknown): Coded[] {
  const out: Coded[] = [];
  const visit = (x: unknown, depth: number) => {
    if (!(x instanceof Error) || depth > 8) return;
    const c = x as Coded;
    out.push(c);
    if (Array.isArray(c.errors)) for (const m of c.errors) visit(m, depth + 1);
    visit(c.cause, depth + 1);
  };
  visit(e, 0);
  return out;
}

const codeOf = (e: unknown): string | null => {
  for (const c of chain(e)) if (typeof c.code === 'string') return c.code;
  return null;
};

/** Whether `e` is a failure to reach the hub or to get its answer (rather than a bug or a refusal). */
export function isTransportError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'TimeoutError') return true;
  if (e instanceof TypeError && e.message === 'fetch failed') return true;
  const code = codeOf(e);
  return code !== null && code !== 'ERR_INVALID_URL' && !code.startsWith('ERR_INVALID_ARG');
}

/** Whether a transport failure can go away by itself (not a refused certificate, not fetch's blocked port). */
export function isRetryableTransportError(e: unknown): boolean {
  const code = codeOf(e);
  if (code !== null && PERMANENT.test(code)) return false;
  return !chain(e).some((c) => c.message === 'bad port');
}

/** A transport failure in words: "connection refused", "host not found", "timed out", ... */
export function describeTransportError(e: unknown): string {
  const all = chain(e);
  if (all.some((c) => c.name === 'TimeoutError')) return 'timed out';
  const code = codeOf(e);
  if (code && CAUSES[code]) return CAUSES[code];
  if (code && TLS.test(code)) return `TLS: ${all.find((c) => c.code === code)?.message ?? code}`;
  if (all.some((c) => c.message === 'bad port')) return "a port that fetch() refuses to connect to ('bad port')";
  // The innermost message says most ("fetch failed" says nothing).
  const inner = all.filter((c) => c.message && c.message !== 'fetch failed').at(-1);
  return inner?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Runs `tryOnce` until it returns something other than RetryLater. A thrown transport error
 * (network, timeout) is retried; any other thrown error ends at once. Each try gets a signal
 * that aborts at its time limit or when `signal` aborts (then the abort is rethrown as is).
 * Throws GaveUp when out of tries or time, or when a transport failure cannot succeed later.
 */
export async function withRetries<T>(
  tryOnce: (signal: AbortSignal) => Promise<T | RetryLater>,
  options: {
    retry?: RetryOptions;
    signal?: AbortSignal;
    /** The randomness of the jitter (tests). */
    random?: () => number;
    onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  } = {},
): Promise<T> {
  const attempts = options.retry?.attempts ?? 6;
  const baseMs = options.retry?.baseMs ?? 500;
  const maxMs = options.retry?.maxMs ?? 30_000;
  const timeoutMs = options.retry?.timeoutMs ?? 60_000;
  const budget = options.retry?.giveUpAfterMs ?? Number.POSITIVE_INFINITY;
  const random = options.random ?? Math.random;
  const { signal } = options;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const limit = Math.max(1000, Math.min(timeoutMs, budget - (Date.now() - started)));
    const timeout = AbortSignal.timeout(limit);
    let later: RetryLater;
    try {
      const result = await tryOnce(signal ? AbortSignal.any([signal, timeout]) : timeout);
      if (!(result instanceof RetryLater)) return result;
      later = result;
    } catch (e) {
      if (signal?.aborted) throw e;
      if (timeout.aborted) later = new RetryLater(`timed out after ${Math.round(limit / 1000)} s`, null);
      else if (!isTransportError(e)) throw e;
      else {
        later = new RetryLater(describeTransportError(e), null);
        if (!isRetryableTransportError(e)) throw new GaveUp(later, attempt, Date.now() - started, false);
      }
    }
    const elapsed = Date.now() - started;
    if (attempt >= attempts) throw new GaveUp(later, attempt, elapsed, true);
    const left = budget - elapsed;
    if (left <= 0 || later.retryAfterMs > left) throw new GaveUp(later, attempt, elapsed, true);
    // Full jitter: a random wait up to the attempt's bound, so that many clients spread out.
    const jitter = Math.round(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
    const waitMs = Math.min(left, Math.max(later.retryAfterMs, jitter));
    options.onRetry?.({ attempt, waitMs, reason: later.reason });
    await sleep(waitMs, signal);
  }
}
