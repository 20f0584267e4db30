/**
 * The polling window: which slice of a facility's change stream one poll serves, and
 * where the caller's watermark moves afterwards. Pure arithmetic on positions.
 *
 * A position is `{ISO time}` or `{ISO time}#{tie-breaker}`; positions sort as strings
 * in the order of the changes (store/keys.ts builds them). Rules (DESIGN.md, "Polling
 * without loss"):
 *  - serve only changes older than the settle delay, so writes still in flight cannot be
 *    overtaken;
 *  - start after the earlier of the caller's lastExecutionDateTime and the watermark
 *    (the last position this key was served at this facility): a fast clock or a lost
 *    response cannot skip anything;
 *  - a truncated page moves the watermark only to the last change served.
 */
import { isoMs } from './time.ts';

/** Sorts after every position that starts with the same time (`#` < `~`). */
const AFTER_TIME = '~';
/** The smallest string greater than a position (no key part contains control characters). */
const successor = (position: string): string => `${position}\u0001`;

export interface WindowRequest {
  /** Hub clock, epoch ms. */
  now: number;
  settleMs: number;
  /** The caller's lastExecutionDateTime in epoch ms; null: the initial load. */
  clientTime: number | null;
  /** The stored watermark of this key at this facility, if any. */
  watermark: string | null;
  /** Continuation from a Link: rel="next" (already validated), if any. */
  cursor: { after: string; windowStart: number | null } | null;
}

export interface Window {
  mode: 'initial' | 'since';
  /** Inclusive lower bound for the index Query (a successor of the last position not wanted). */
  lower: string | null;
  /** Inclusive upper bound: the settled edge. */
  upper: string;
  /** Start of the window in ms, for telling a PCS create from update; null on the initial load. */
  windowStart: number | null;
  /** Where the watermark goes if this poll serves nothing (null: leave it as it is). */
  watermarkIfEmpty: string | null;
  /** The settled edge: every change stamped at or before it is visible. */
  settled: string;
  /** True when there is nothing to ask the index. */
  empty: boolean;
}

/** Plans one poll. */
export function planWindow(req: WindowRequest): Window {
  const settled = isoMs(req.now - req.settleMs);
  const upperSince = `${settled}${AFTER_TIME}`;

  if (req.cursor) {
    const initial = req.clientTime === null && req.cursor.windowStart === null;
    const lower = successor(req.cursor.after);
    return {
      mode: initial ? 'initial' : 'since',
      lower,
      upper: upperSince,
      windowStart: req.cursor.windowStart,
      watermarkIfEmpty: null,
      settled,
      empty: lower > upperSince,
    };
  }

  if (req.clientTime === null) {
    // The initial load: every active order from the start of the stream up to the settled
    // edge (younger changes follow on the next poll, which starts at that edge).
    return {
      mode: 'initial',
      lower: null,
      upper: upperSince,
      windowStart: null,
      watermarkIfEmpty: settled,
      settled,
      empty: false,
    };
  }

  // A client clock ahead of the hub's means the same as the hub's now (and stays a valid position).
  const client = isoMs(Math.min(req.clientTime, req.now));
  const from = req.watermark !== null && req.watermark < client ? req.watermark : client;
  const lower = successor(from);
  return {
    mode: 'since',
    lower,
    upper: upperSince,
    windowStart: Date.parse(from.slice(0, 24)),
    // A key's first poll records where it stands, so the next one cannot start later
    // than this one's settled edge even if its clock runs ahead.
    watermarkIfEmpty: req.watermark === null ? (from < settled ? from : settled) : null,
    settled,
    empty: lower > upperSince,
  };
}

/**
 * Where the watermark moves after a poll: to the last position served or evaluated,
 * or, on a complete initial load, to the settled edge. Null: no write needed.
 */
export function nextWatermark(window: Window, lastPosition: string | null, truncated: boolean): string | null {
  if (truncated && lastPosition !== null) return lastPosition;
  // A complete initial load saw every visible change up to the settled edge.
  if (window.mode === 'initial') return window.settled;
  return lastPosition ?? window.watermarkIfEmpty;
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
