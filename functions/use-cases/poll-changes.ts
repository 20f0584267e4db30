/**
 * One poll of a facility's change stream (orders for the PCS, records for the ERP): plan the
 * window (domain/poll-window.ts), read one page, remember the poller's new state. Every
 * document kind a key may poll goes through here; the HTTP side only parses and shapes.
 */
import { isDeepStrictEqual } from 'node:util';
import { nextState, type PollerState, planWindow, type Window } from '../domain/poll-window.ts';
import type { PageLimits, StreamPage } from '../store/change-stream.ts';
import type { Stream } from '../store/keys.ts';

/** The reads and writes of a poll (functions/store/change-stream.ts; fakes in unit tests). */
export interface PollStore {
  getPollerState(keyId: string, stream: Stream, facilityId: string): Promise<PollerState | null>;
  putPollerState(keyId: string, stream: Stream, facilityId: string, state: PollerState): Promise<void>;
  readStream(facilityId: string, stream: Stream, window: Window, limits: PageLimits): Promise<StreamPage>;
}

export interface PollRequest {
  keyId: string;
  facilityId: string;
  stream: Stream;
  /** The caller's lastExecutionDateTime (epoch ms); null: the initial load. */
  clientTime: number | null;
  /** Where a Link: rel="next" continues, already checked; null on a first page. */
  cursor: { after: string; windowStart: number | null } | null;
  /** Statuses left out of the initial load. */
  initialExclude?: readonly string[] | undefined;
}

export interface PollPage {
  items: Record<string, unknown>[];
  window: Window;
  /** Where the next page starts when this one was truncated; null when it was complete. */
  next: { after: string; windowStart: number | null } | null;
}

/** Serves one page of changes and remembers, per key, facility and stream, how far it got. */
export async function pollChanges(
  store: PollStore,
  req: PollRequest,
  settings: { settleMs: number; pageSize: number; maxBytes: number },
  now: () => number = Date.now,
): Promise<PollPage> {
  const state = req.cursor ? null : await store.getPollerState(req.keyId, req.stream, req.facilityId);
  const window = planWindow({ now: now(), settleMs: settings.settleMs, clientTime: req.clientTime, state, cursor: req.cursor });
  const page = await store.readStream(req.facilityId, req.stream, window, {
    maxItems: settings.pageSize,
    maxBytes: settings.maxBytes,
    ...(window.mode === 'initial' && req.initialExclude ? { excludeStatuses: req.initialExclude } : {}),
  });
  const next = nextState(window, page.lastPosition, page.truncated);
  // A repeated poll (a lost answer served again) often ends where it ended before: no write.
  if (next && !isDeepStrictEqual(next, state)) await store.putPollerState(req.keyId, req.stream, req.facilityId, next);
  const more = page.truncated && page.lastPosition !== null;
  return { items: page.items, window, next: more ? { after: page.lastPosition!, windowStart: window.windowStart } : null };
}
