/**
 * `erp push FILE`: a file of work orders of any size, sent in requests of at most 50 documents
 * (the hub's per-request limit), each request retried only when it can succeed later. A request
 * is all-or-nothing at the hub, so after each answer the command knows exactly which documents
 * are applied; when one is refused it stops (or, with --continue, goes on) and says which.
 *
 * The file's form is kept: the envelope {"dispensingWorkOrder": [...]} (other members copied
 * into every request), a bare array, or the older form's {"DispensingWorkOrder": [...]}. Numbers
 * are copied as written (JSON.rawJSON), never rounded through a double. A body of another shape
 * is sent as it is, in one request, for the hub to explain.
 */
import type { HubClient } from './client.ts';
import { problemText } from './poller.ts';
import { GaveUp, RetryLater, type RetryOptions, withRetries } from './retry.ts';

/** At most this many documents per request (the hub's limit). */
export const MAX_DOCUMENTS_PER_REQUEST = 50;

/** One request of a push: the documents [from, to) of the file, and the body that carries them. */
export interface Batch {
  /** 1-based. */
  number: number;
  /** Index of its first document in the file (0-based), and one past its last. */
  from: number;
  to: number;
  body: string;
  /** Each document's order number, where it has one (for messages). */
  orders: (string | null)[];
}

type RawJson = { rawJSON?: (text: string) => unknown };
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** Parses JSON keeping every number's text as written (where the platform can: Node 21+). */
function parseExact(text: string): unknown {
  const raw = (JSON as unknown as RawJson).rawJSON;
  if (!raw) return JSON.parse(text);
  const reviver: Reviver = (_key, value, context) => (typeof value === 'number' && context?.source ? raw(context.source) : value);
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
}

const orderNumber = (doc: unknown): string | null => {
  const d = doc as { workOrderIdentifier?: { number?: unknown }; WorkOrderIdentifier?: { Number?: unknown } } | null;
  const n = d?.workOrderIdentifier?.number ?? d?.WorkOrderIdentifier?.Number;
  return typeof n === 'string' ? n : null;
};

/** Splits the text of a file of work orders into requests. Throws SyntaxError when it is not JSON. */
export function splitFile(text: string, size = MAX_DOCUMENTS_PER_REQUEST): { documents: number | null; batches: Batch[] } {
  const body = parseExact(text);
  let docs: unknown[] | null = null;
  let wrap: (slice: unknown[]) => unknown = (slice) => slice;
  if (Array.isArray(body)) docs = body;
  else if (body && typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    if (Array.isArray(obj.dispensingWorkOrder)) {
      docs = obj.dispensingWorkOrder;
      wrap = (slice) => ({ ...obj, dispensingWorkOrder: slice });
    } else if (Array.isArray(obj.DispensingWorkOrder) && Object.keys(obj).length === 1) {
      docs = obj.DispensingWorkOrder;
      wrap = (slice) => ({ DispensingWorkOrder: slice });
    }
  }
  // One request's worth (or a shape the hub must judge): the file as it is.
  if (!docs || docs.length <= size) {
    return {
      documents: docs?.length ?? null,
      batches: [{ number: 1, from: 0, to: docs?.length ?? 0, body: text, orders: (docs ?? []).map(orderNumber) }],
    };
  }
  const batches: Batch[] = [];
  for (let from = 0; from < docs.length; from += size) {
    const slice = docs.slice(from, from + size);
    batches.push({
      number: batches.length + 1,
      from,
      to: from + slice.length,
      body: JSON.stringify(wrap(slice)),
      orders: slice.map(orderNumber),
    });
  }
  return { documents: docs.length, batches };
}

/** The hub's answer to one request with its indices counted from the start of the file (results[].index, errors[].path). */
export function inFileTerms(body: unknown, offset: number): unknown {
  if (offset === 0 || !body || typeof body !== 'object') return body;
  const b = body as { results?: unknown; errors?: unknown };
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  if (Array.isArray(b.results)) {
    out.results = b.results.map((r) =>
      r && typeof r === 'object' && typeof (r as { index?: unknown }).index === 'number'
        ? { ...r, index: (r as { index: number }).index + offset }
        : r,
    );
  }
  if (Array.isArray(b.errors)) {
    out.errors = b.errors.map((e) => {
      const path = (e as { path?: unknown })?.path;
      if (typeof path !== 'string') return e;
      return {
        ...e,
        path: path.replace(
          /^(\/(?:dispensingWorkOrder|DispensingWorkOrder))?\/(\d+)(?=\/|$)/,
          (_, env = '', i) => `${env}/${Number(i) + offset}`,
        ),
      };
    });
  }
  return out;
}

/** What became of one request. */
export type BatchOutcome =
  | { batch: Batch; state: 'applied'; answer: unknown }
  | { batch: Batch; state: 'refused'; status: number; answer: unknown; message: string }
  /** No answer that says: unreachable, timed out, or still 429/5xx after the retries. */
  | { batch: Batch; state: 'failed'; message: string; sent: boolean }
  | { batch: Batch; state: 'skipped' };

/** Sends one request, retrying what can succeed later (connection errors, timeouts, 429, 5xx). */
export async function sendBatch(
  client: HubClient,
  facilityId: string,
  batch: Batch,
  retry: RetryOptions,
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void,
): Promise<BatchOutcome> {
  const url = client.url('pushWorkOrders', { facilityId });
  try {
    const answer = await withRetries(
      async (signal) => {
        const a = await client.call('pushWorkOrders', { params: { facilityId }, body: batch.body as never, signal });
        const status = Number(a.status);
        if (status === 429 || status >= 500) {
          const retryAfter = Number(a.headers.get('retry-after'));
          const text = problemText(a.body);
          return new RetryLater(
            `${url} answered ${status}${text ? ` ${text}` : ''}`,
            status,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0,
            a.body,
          );
        }
        return a;
      },
      { retry, ...(onRetry ? { onRetry } : {}) },
    );
    const status = Number(answer.status);
    if (status === 200) return { batch, state: 'applied', answer: answer.body };
    const text = problemText(answer.body);
    return { batch, state: 'refused', status, answer: answer.body, message: `${url} answered ${status}${text ? ` ${text}` : ''}` };
  } catch (e) {
    if (!(e instanceof GaveUp)) throw e;
    // Never sent: the connection was refused or the host is unknown. Otherwise the hub may have applied it.
    const sent = !(e.status === null && /^(connection refused|host not found)/.test(e.reason));
    return { batch, state: 'failed', message: e.status === null ? `${url}: ${e.message}` : e.message, sent };
  }
}

const range = (b: Batch) => (b.to - b.from === 1 ? `document ${b.from + 1}` : `documents ${b.from + 1}-${b.to}`);
const orders = (b: Batch) => {
  const named = b.orders.filter((o): o is string => o !== null);
  if (named.length === 0) return '';
  return named.length === 1 ? `: ${named[0]}` : `: ${named[0]} ... ${named.at(-1)}`;
};
/** "request 2 of 3 (documents 51-100: WO-51 ... WO-100)" */
export const describeBatch = (b: Batch, of: number) => `request ${b.number} of ${of} (${range(b)}${orders(b)})`;

/** The hub's errors of a refused request, one line each, in the file's terms. */
export function errorLines(outcome: BatchOutcome & { state: 'refused' }): string[] {
  const body = inFileTerms(outcome.answer, outcome.batch.from) as { errors?: { path?: string; message?: string }[] } | null;
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const lines = errors.slice(0, 20).map((e) => `  ${e.path ?? ''}: ${e.message ?? ''}`);
  if (errors.length > 20) lines.push(`  ... and ${errors.length - 20} more`);
  return lines;
}

/** The closing account of a push: which documents are applied, which are not, which are unknown. */
export function summary(outcomes: BatchOutcome[], documents: number | null): string[] {
  const of = outcomes.length;
  const lines: string[] = [];
  const group = (state: BatchOutcome['state'], pick: (o: BatchOutcome) => boolean = () => true) =>
    outcomes.filter((o) => o.state === state && pick(o)).map((o) => describeBatch(o.batch, of));
  const count = (state: BatchOutcome['state']) =>
    outcomes.filter((o) => o.state === state).reduce((n, o) => n + (o.batch.to - o.batch.from), 0);
  const applied = group('applied');
  const refused = group('refused');
  const unsent = [...group('failed', (o) => o.state === 'failed' && !o.sent), ...group('skipped')];
  const unknown = group('failed', (o) => o.state === 'failed' && o.sent);
  const total = documents === null ? 'the file' : `${documents} document${documents === 1 ? '' : 's'}`;
  lines.push(`${total} in ${of} request${of === 1 ? '' : 's'}: ${count('applied')} applied`);
  if (applied.length > 0) lines.push(`  applied: ${applied.join(', ')}`);
  if (refused.length > 0) lines.push(`  refused, not applied (a request applies all its documents or none): ${refused.join(', ')}`);
  if (unsent.length > 0) lines.push(`  not sent, not applied: ${unsent.join(', ')}`);
  if (unknown.length > 0)
    lines.push(
      `  no answer, may or may not be applied (pushing them again is safe: what the hub holds as sent is answered unchanged): ${unknown.join(', ')}`,
    );
  return lines;
}
