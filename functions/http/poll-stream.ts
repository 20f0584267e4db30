/**
 * The HTTP side of a poll, shared by the order poll (PCS) and the record poll (ERP): read
 * the query, run the poll (use-cases/poll-changes.ts), answer the page with its Link.
 */
import type { DocumentFormat } from '../domain/api-keys.ts';
import { openCursor, signCursor } from '../domain/cursor.ts';
import { invalidInput } from '../domain/errors.ts';
import { encodeCursor, parsePollQuery } from '../domain/poll-window.ts';
import type { Caller } from '../shared/caller.ts';
import { config } from '../shared/config.ts';
import { countMetric } from '../shared/metrics.ts';
import { type HubEvent, type HubResult, json } from '../shared/middleware.ts';
import { getPollerState, notePoll, putPollerState, readStream, stateHint } from '../store/change-stream.ts';
import { cursorSecret } from '../store/hub-secret.ts';
import { streamDocument } from '../store/stream-documents.ts';
import { pollChanges } from '../use-cases/poll-changes.ts';
import { type PolledKind, pollAnswer } from '../use-cases/polled-kinds.ts';

/** A poll's query parameters as the route's schemas admitted them (routes.ts). */
export type PollParams = {
  lastExecutionDateTime?: string;
  cursor?: string;
  /** Only the polls of kinds with an older form take it. */
  format?: DocumentFormat;
};

/** Answers one poll of `caller` at `facilityId`: `{"<envelope>": [...]}`, or in an older form (`legacy`, `legacy-numeric`) a bare PascalCase array. */
export async function pollStream(
  event: HubEvent,
  caller: Caller,
  facilityId: string,
  route: PolledKind,
  q: PollParams,
): Promise<HubResult> {
  // Cursors are bound to who asked, where and for what; the secret is read only when one is in play.
  const binding = [caller.keyId, facilityId, route.stream];
  const secret = q.cursor === undefined ? null : await cursorSecret();
  // A kind without an older form is served canonical whatever the key's default; asking for
  // another form (a parameter its route does not take) is a 400.
  const askedFormat = route.legacy === null ? event.queryStringParameters?.format : undefined;
  if (askedFormat !== undefined && askedFormat !== 'canonical') {
    throw invalidInput(`${route.envelope} have the canonical form only.`, [
      { path: '/queryStringParameters/format', message: 'only canonical' },
    ]);
  }
  const query = parsePollQuery(q, route.legacy ? caller.format : 'canonical', (raw) => openCursor(raw, secret!, binding));
  const { clientTime, cursor } = query;
  const format = route.legacy ? query.format : 'canonical';
  const { pollSettleMs: settleMs, pollPageSize: pageSize, pollMaxBytes: maxBytes, pollerLastPollEveryMs: lastPollEveryMs } = config();
  const { stream, initialExclude } = route;
  const request = { keyId: caller.keyId, facilityId, stream, clientTime, cursor, initialExclude };
  const page = await pollChanges({ getPollerState, putPollerState, notePoll, readStream, stateHint }, request, {
    settleMs,
    pageSize,
    maxBytes,
    lastPollEveryMs,
  });

  const stored = page.items.map((item) => streamDocument(stream, item));
  const { body, count } = pollAnswer(route, stored, page.window.windowStart, format);
  const next = page.next && signCursor(encodeCursor(page.next.after, page.next.windowStart), secret ?? (await cursorSecret()), binding);
  const headers: Record<string, string> = next ? { link: `<${nextPageUrl(event, next)}>; rel="next"` } : {};
  countMetric('polls');
  countMetric('documentsServed', count);
  return json(body, 200, headers);
}

/** The URL of the next page: the same request with the cursor set. */
export function nextPageUrl(event: HubEvent, cursor: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (k !== 'cursor' && v !== undefined) params.set(k, v);
  params.set('cursor', cursor);
  const proto = event.headers?.['x-forwarded-proto'] ?? 'https';
  return `${proto}://${event.requestContext.domainName}${event.rawPath}?${params.toString()}`;
}
