/**
 * The polling window: which slice of a facility's change stream one poll serves, and what
 * the hub remembers about the poller afterwards. Pure arithmetic on positions.
 *
 * A position is `{ISO time}` or `{ISO time}#{tie-breaker}`; positions sort as strings in
 * the order of the changes (store/keys.ts builds them). The rules (DESIGN.md, "Polling
 * without loss", refined):
 *  - Serve only changes older than the settle delay, so writes still in flight cannot be
 *    overtaken by a poll.
 *  - Remember, per key and facility, the poller's state: the position it has been served up
 *    to, where that poll started, and the lastExecutionDateTime it sent.
 *  - A poller sends the time of its previous successful call. When that time moved forward
 *    since the poll that set the state, the poller got that poll's answer: continue from
 *    the stored position, whatever its clock says (a clock 10 minutes slow or fast changes
 *    nothing). When it sent the same time again, that answer was lost: serve again from
 *    where that poll started. An earlier time (a clock set back, a re-sync) is served from
 *    the earlier of that time and where that poll started.
 *  - A key's first poll with a time is served from that time (never later than the hub's now).
 *  - A truncated page remembers only the last change served, so a poller that ignores the
 *    Link header still gets the rest on its next polls.
 */
import { DOCUMENT_FORMATS, type DocumentFormat, isDocumentFormat } from './api-keys.ts';
import { invalidInput } from './errors.ts';
import { isoMs, parseClientTime } from './time.ts';

/** Sorts after every position that starts with the same time (`#` < `~`). */
const AFTER_TIME = '~';
/** The smallest string greater than a position (no key part contains control characters). */
const successor = (position: string): string => `${position}\u0001`;
/** The position before every change: the start of the stream. */
export const STREAM_START = '';

/** What the hub remembers about one poller (key) at one facility and stream. */
export interface PollerState {
  /** Served up to here: the next window starts after it. */
  position: string;
  /** Where the poll that set `position` started (STREAM_START for an initial load). */
  previousStart: string;
  /** The lastExecutionDateTime (ms) that poll sent; null after an initial load. */
  clientTime: number | null;
  /**
   * When the hub last noted a poll of this poller (ms), as stored: not part of the window's
   * arithmetic, only what tells whether a poll that moves nothing should note its time.
   */
  lastPollAt?: number | null;
}

/** What a poll tells about its poller beyond its position: when it polled, and the lastExecutionDateTime it sent. */
export interface PollNote {
  at: number;
  clientTime: number | null;
}

/**
 * Whether a poll at `now` that moves nothing should still write the time of the poll: when the
 * one stored is older than `everyMs` (or there is none). So a poller that polls all day writes
 * at most once per `everyMs` for it, and its shown last poll is never older than that.
 */
export function lastPollDue(state: PollerState, now: number, everyMs: number): boolean {
  return state.lastPollAt === undefined || state.lastPollAt === null || now - state.lastPollAt >= everyMs;
}

export interface WindowRequest {
  /** Hub clock, epoch ms. */
  now: number;
  settleMs: number;
  /** The caller's lastExecutionDateTime in epoch ms; null: the initial load. */
  clientTime: number | null;
  /** What the hub remembers about this poller, if anything. */
  state: PollerState | null;
  /** Continuation from a Link: rel="next" (already validated), if any. */
  cursor: { after: string; windowStart: number | null } | null;
}

export interface Window {
  mode: 'initial' | 'since';
  /** Exclusive start of the window (STREAM_START: from the beginning). */
  from: string;
  /** Inclusive lower bound for the index Query; null: from the start. */
  lower: string | null;
  /** Inclusive upper bound: the settled edge. */
  upper: string;
  /** Start of the window in ms, for telling a PCS create from update; null on the initial load. */
  windowStart: number | null;
  /** The settled edge: every change stamped at or before it is visible. */
  settled: string;
  /** The client time this poll answers (stored with the state). */
  clientTime: number | null;
  /** Remember the state even if nothing is served (first poll, initial load). */
  recordWhenEmpty: boolean;
  /** True when there is nothing to ask the index. */
  empty: boolean;
}

/** Plans one poll. */
export function planWindow(req: WindowRequest): Window {
  const settled = isoMs(req.now - req.settleMs);
  const upper = `${settled}${AFTER_TIME}`;
  let from: string;
  let mode: Window['mode'] = 'since';
  let recordWhenEmpty = false;
  let windowStart: number | null;

  if (req.cursor) {
    from = req.cursor.after;
    windowStart = req.cursor.windowStart;
    if (req.clientTime === null && windowStart === null) mode = 'initial';
  } else if (req.clientTime === null) {
    mode = 'initial';
    from = STREAM_START;
    windowStart = null;
    recordWhenEmpty = true;
  } else {
    // A clock ahead of the hub's asks for nothing newer than now (and stays a valid position).
    const client = isoMs(Math.min(req.clientTime, req.now));
    const state = req.state;
    if (!state) {
      from = client;
      recordWhenEmpty = true;
    } else if (state.clientTime === null || req.clientTime > state.clientTime) {
      from = state.position;
    } else {
      // The same time again: that answer was lost; everything before where it started had
      // arrived. An earlier time (a clock set back, a deliberate re-sync) is honoured as asked.
      const start = state.previousStart === STREAM_START ? state.position : state.previousStart;
      from = req.clientTime === state.clientTime || start < client ? start : client;
    }
    windowStart = Date.parse(from.slice(0, 24));
  }

  const lower = from === STREAM_START ? null : successor(from);
  return {
    mode,
    from,
    lower,
    upper,
    windowStart,
    settled,
    clientTime: req.clientTime,
    recordWhenEmpty,
    empty: lower !== null && lower > upper,
  };
}

/**
 * The poller's state after a poll, or null when nothing needs writing (a poll that serves
 * nothing writes nothing, once the poller is known). A complete page has served every
 * visible change up to the settled edge; a truncated one only up to its last change.
 */
export function nextState(window: Window, lastPosition: string | null, truncated: boolean): PollerState | null {
  if (lastPosition === null && !window.recordWhenEmpty) return null;
  const position = truncated && lastPosition !== null ? lastPosition : window.settled;
  return { position, previousStart: window.from, clientTime: window.clientTime };
}

/**
 * Whether the poller's state must be written after a poll: not when it is what is stored, nor
 * when only its position moved to this poll's settled edge across a stretch this poll read in
 * full and found empty (a repeated poll serving the same changes again). Every change stamped
 * at or before the settled edge is visible now, so no change will ever appear in that stretch:
 * a later poll starting from the stored position serves exactly what it would from the new one.
 */
export function stateMoved(
  stored: PollerState | null,
  next: PollerState,
  window: Window,
  lastPosition: string | null,
  truncated: boolean,
): boolean {
  if (!stored || next.previousStart !== stored.previousStart || next.clientTime !== stored.clientTime) return true;
  if (next.position === stored.position) return false;
  const readAcross = !truncated && next.position === window.settled && window.from <= stored.position && stored.position < next.position;
  return !(readAcross && (lastPosition === null || lastPosition <= stored.position));
}

/** A page read for a guessed window (items in order, with their positions), to be cut to the real one. */
export interface WidePage<T> {
  items: T[];
  positions: readonly string[];
  truncated: boolean;
}

/**
 * The page of `window` cut from a page read for the guessed window `wide` (a poll reads before
 * it knows its poller's state), or null when that page cannot tell: the guess started later
 * than the window (a poller the instance did not know, a time set back since), or its
 * page was truncated after items the window leaves out (the window's page would hold more).
 */
export function cutPage<T>(
  wide: Window,
  page: WidePage<T>,
  window: Window,
): { items: T[]; lastPosition: string | null; truncated: boolean } | null {
  if (window.empty) return { items: [], lastPosition: null, truncated: false };
  if (wide.upper !== window.upper || page.positions.length !== page.items.length) return null;
  if (wide.lower !== null && (window.lower === null || window.lower < wide.lower)) return null;
  let first = 0;
  if (window.lower !== null) while (first < page.positions.length && page.positions[first]! < window.lower) first++;
  if (page.truncated && first > 0) return null;
  const items = page.items.slice(first);
  return { items, lastPosition: items.length > 0 ? page.positions.at(-1)! : null, truncated: page.truncated };
}

const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(#[^\u0000-\u001f]{1,400})?$/;

/** The opaque `cursor` of a Link: rel="next": where the next page starts. */
export function encodeCursor(after: string, windowStart: number | null): string {
  return Buffer.from(JSON.stringify({ a: after, s: windowStart })).toString('base64url');
}

/** Reads a cursor this hub issued; null when it is not one. */
export function decodeCursor(raw: string): { after: string; windowStart: number | null } | null {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { a?: unknown; s?: unknown };
    if (typeof v.a !== 'string' || !POSITION.test(v.a)) return null;
    if (v.s !== null && (typeof v.s !== 'number' || !Number.isSafeInteger(v.s))) return null;
    return { after: v.a, windowStart: v.s };
  } catch {
    return null;
  }
}

/** What a poll's query asks for, checked. */
export interface PollQuery {
  /** The form to serve: `format` of the query, else the key's default. */
  format: DocumentFormat;
  /** lastExecutionDateTime (epoch ms); null: the initial load. */
  clientTime: number | null;
  cursor: { after: string; windowStart: number | null } | null;
}

/**
 * Reads a poll's query string (400 naming the parameter when one is not acceptable).
 * `openCursor` returns the payload of a cursor issued for this poller, else null.
 */
export function parsePollQuery(
  q: Readonly<Record<string, string | undefined>>,
  keyFormat: DocumentFormat,
  openCursor: (raw: string) => string | null,
): PollQuery {
  if (q.format !== undefined && !isDocumentFormat(q.format)) {
    const accepted = DOCUMENT_FORMATS.join(', ');
    throw invalidInput(`format must be one of ${accepted}.`, [{ path: '/queryStringParameters/format', message: `one of ${accepted}` }]);
  }
  const payload = q.cursor === undefined ? null : openCursor(q.cursor);
  const cursor = payload === null ? null : decodeCursor(payload);
  if (q.cursor !== undefined && !cursor) {
    throw invalidInput(
      'cursor is not one this hub issued for this key, facility and stream; follow the Link header as given, or poll without it.',
      [{ path: '/queryStringParameters/cursor', message: 'unreadable cursor' }],
    );
  }
  const clientTime = q.lastExecutionDateTime === undefined ? null : parseClientTime(q.lastExecutionDateTime);
  return { format: (q.format as DocumentFormat | undefined) ?? keyFormat, clientTime, cursor };
}
