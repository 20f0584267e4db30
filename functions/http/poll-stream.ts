/**
 * One poll of a facility's change stream, shared by the order poll (PCS) and the record
 * poll (ERP): read the query, plan the window (domain/poll-window.ts), read one page,
 * remember the poller's new state, link the next page.
 */
import { isDeepStrictEqual } from 'node:util';
import { invalidInput } from '../domain/errors.ts';
import { type DocumentKind, toLegacy } from '../domain/legacy-form.ts';
import { decodeCursor, encodeCursor, nextState, planWindow, type Window } from '../domain/poll-window.ts';
import { parseClientTime } from '../domain/time.ts';
import type { Caller, DocumentFormat } from '../shared/caller.ts';
import { config } from '../shared/config.ts';
import { countMetric } from '../shared/metrics.ts';
import { type HubEvent, type HubResult, json } from '../shared/middleware.ts';
import { getPollerState, putPollerState, readStream } from '../store/change-stream.ts';
import type { Stream } from '../store/keys.ts';

export interface PollOptions<T> {
  stream: Stream;
  /** Statuses left out of the initial load (poll without lastExecutionDateTime). */
  initialExclude?: readonly string[];
  /** Turns a stored item into the served document. */
  serve: (item: Record<string, unknown>, window: Window) => T;
}

export interface PollResult<T> {
  documents: T[];
  headers: Record<string, string>;
  /** The form to serve: `format` of the query, else the key's default. */
  format: DocumentFormat;
}

/** Serves one page of changes to `caller` at `facilityId`. */
export async function pollStream<T>(event: HubEvent, caller: Caller, facilityId: string, options: PollOptions<T>): Promise<PollResult<T>> {
  const q = event.queryStringParameters ?? {};
  if (q.format !== undefined && q.format !== 'legacy' && q.format !== 'canonical') {
    throw invalidInput('format must be canonical or legacy.', [{ path: '/queryStringParameters/format', message: 'canonical or legacy' }]);
  }
  const format: DocumentFormat = (q.format as DocumentFormat | undefined) ?? caller.format;
  const clientTime = q.lastExecutionDateTime === undefined ? null : parseClientTime(q.lastExecutionDateTime);
  let cursor: ReturnType<typeof decodeCursor> = null;
  if (q.cursor !== undefined) {
    cursor = decodeCursor(q.cursor);
    if (!cursor) {
      throw invalidInput('cursor is not one this hub issued; follow the Link header as given, or poll without it.', [
        { path: '/queryStringParameters/cursor', message: 'unreadable cursor' },
      ]);
    }
  }

  const { pollSettleMs, pollPageSize, pollMaxBytes } = config();
  const state = cursor ? null : await getPollerState(caller.keyId, options.stream, facilityId);
  const window = planWindow({ now: Date.now(), settleMs: pollSettleMs, clientTime, state, cursor });
  const page = await readStream(facilityId, options.stream, window, {
    maxItems: pollPageSize,
    maxBytes: pollMaxBytes,
    ...(window.mode === 'initial' && options.initialExclude ? { excludeStatuses: options.initialExclude } : {}),
  });

  const next = nextState(window, page.lastPosition, page.truncated);
  // A repeated poll (a lost answer served again) often ends where it ended before: no write.
  if (next && !isDeepStrictEqual(next, state)) await putPollerState(caller.keyId, options.stream, facilityId, next);

  const headers: Record<string, string> = {};
  if (page.truncated && page.lastPosition !== null) {
    headers.link = `<${nextPageUrl(event, encodeCursor(page.lastPosition, window.windowStart))}>; rel="next"`;
  }
  return { documents: page.items.map((item) => options.serve(item, window)), headers, format };
}

/**
 * The poll's answer: `{"<envelope>": [...]}` in the canonical form, or in the older form a
 * bare array of PascalCase documents, as the standard's sample files and .NET library have them.
 */
export function pollResponse(envelope: string, kind: DocumentKind, result: PollResult<unknown>): HubResult {
  countMetric('polls');
  countMetric('documentsServed', result.documents.length);
  if (result.format === 'legacy')
    return json(
      result.documents.map((d) => toLegacy(kind, d)),
      200,
      result.headers,
    );
  return json({ [envelope]: result.documents }, 200, result.headers);
}

/** The URL of the next page: the same request with the cursor set. */
function nextPageUrl(event: HubEvent, cursor: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) {
    if (k !== 'cursor' && v !== undefined) params.set(k, v);
  }
  params.set('cursor', cursor);
  const proto = event.headers?.['x-forwarded-proto'] ?? 'https';
  return `${proto}://${event.requestContext.domainName}${event.rawPath}?${params.toString()}`;
}
