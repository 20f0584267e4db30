/**
 * One poll of a facility's change stream (orders for the PCS, records for the ERP): plan the
 * window (domain/poll-window.ts), read one page, remember the poller's new state. Every
 * document kind a key may poll goes through here; the HTTP side only parses and shapes.
 *
 * Latency is round trips: the poller state read and the index Query run side by side. A page
 * by cursor and the initial load do not need the state to know their window; a poll with a
 * time reads the window that what this instance last knew of the state plans (a poller it does
 * not know: a key's first poll, from the client's time) and cuts that page to the real window
 * once the state arrives, reading again only when the guess did not cover it. The guess never
 * starts earlier than a window it plans: a poll reads what it serves, not the changes just
 * before its time (already served to a known poller, and before a first poll's window).
 */
import {
  cutPage,
  lastPollDue,
  nextState,
  type PollerState,
  type PollNote,
  planWindow,
  stateMoved,
  type Window,
} from '../domain/poll-window.ts';
import type { PageLimits, StreamPage } from '../store/change-stream.ts';
import type { Stream } from '../store/keys.ts';

/** The reads and writes of a poll (functions/store/change-stream.ts; fakes in unit tests). */
export interface PollStore {
  getPollerState(keyId: string, stream: Stream, facilityId: string): Promise<PollerState | null>;
  /** Stores the state; the store stamps the poll's time (`lastPollAt`) and the time the poller sent. */
  putPollerState(keyId: string, stream: Stream, facilityId: string, state: PollerState, poll?: PollNote): Promise<void>;
  /**
   * Notes a poll that moved nothing (its time and the time the poller sent), at most once per
   * `lastPollEveryMs`: a store without it never writes on such a poll.
   */
  notePoll?(keyId: string, stream: Stream, facilityId: string, poll: PollNote & { staleBefore: number }): Promise<void>;
  readStream(facilityId: string, stream: Stream, window: Window, limits: PageLimits): Promise<StreamPage>;
  /**
   * What this instance last knew of the poller's state (null: none stored; undefined: nothing
   * known). Only a guess for where to start reading early, never trusted. A store without it
   * (and whose pages carry no positions) is read one step after the other.
   */
  stateHint?(keyId: string, stream: Stream, facilityId: string): PollerState | null | undefined;
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
  settings: { settleMs: number; pageSize: number; maxBytes: number; lastPollEveryMs?: number },
  now: () => number = Date.now,
): Promise<PollPage> {
  const t = now();
  const plan = (state: PollerState | null) =>
    planWindow({ now: t, settleMs: settings.settleMs, clientTime: req.clientTime, state, cursor: req.cursor });
  const limitsFor = (window: Window): PageLimits => ({
    maxItems: settings.pageSize,
    maxBytes: settings.maxBytes,
    ...(window.mode === 'initial' && req.initialExclude ? { excludeStatuses: req.initialExclude } : {}),
  });
  const read = (window: Window) => store.readStream(req.facilityId, req.stream, window, limitsFor(window));
  const getState = () => store.getPollerState(req.keyId, req.stream, req.facilityId);

  let state: PollerState | null;
  let window: Window;
  let page: StreamPage;
  if (req.cursor) {
    // A page by cursor continues where the Link says: no state to read, none to write but its own.
    state = null;
    window = plan(null);
    page = await read(window);
  } else if (req.clientTime === null) {
    // The initial load's window needs no state: it is read only to tell whether to write.
    window = plan(null);
    [state, page] = await Promise.all([getState(), read(window)]);
  } else if (!store.stateHint) {
    state = await getState();
    window = plan(state);
    page = await read(window);
  } else {
    // Not widened to be safe against a wrong guess: cutPage tells when the page does not serve
    // the real window, and the window is then read (a poller this instance does not know yet).
    const guess = plan(store.stateHint(req.keyId, req.stream, req.facilityId) ?? null);
    const [stored, guessed] = await Promise.all([getState(), read(guess)]);
    state = stored;
    window = plan(state);
    const cut = guessed.positions ? cutPage(guess, { ...guessed, positions: guessed.positions }, window) : null;
    page = cut ?? (await read(window));
  }

  const next = nextState(window, page.lastPosition, page.truncated);
  // A repeated poll (a lost answer served again) often ends where it ended before: no write.
  const note: PollNote = { at: t, clientTime: req.clientTime };
  if (next && stateMoved(state, next, window, page.lastPosition, page.truncated)) {
    await store.putPollerState(req.keyId, req.stream, req.facilityId, next, note);
  } else if (state && store.notePoll && settings.lastPollEveryMs !== undefined && lastPollDue(state, t, settings.lastPollEveryMs)) {
    // A poll that served nothing writes nothing but, at most once per interval, that it happened (operator view).
    await store.notePoll(req.keyId, req.stream, req.facilityId, { ...note, staleBefore: t - settings.lastPollEveryMs });
  }
  const more = page.truncated && page.lastPosition !== null;
  return { items: page.items, window, next: more ? { after: page.lastPosition!, windowStart: window.windowStart } : null };
}
