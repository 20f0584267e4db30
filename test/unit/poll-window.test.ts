import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  nextState,
  type PollerState,
  planWindow,
  STREAM_START,
  type Window,
  type WindowRequest,
} from '../../functions/domain/poll-window.ts';
import { isoMs } from '../../functions/domain/time.ts';
import { changePosition } from '../../functions/store/keys.ts';

const NOW = Date.parse('2026-11-21T10:00:00.000Z');
const SETTLE_MS = 2_000;
const SETTLED_MS = NOW - SETTLE_MS;
const SETTLED = isoMs(SETTLED_MS);
const AGENCY = 'AssignedBySender';
const MINUTE = 60_000;

/** A realistic stream position: an order's hub modification time with its identity as tie-breaker. */
const pos = (ms: number, number = 'WO-1'): string => changePosition(isoMs(ms), AGENCY, number);

function request(overrides: Partial<WindowRequest>): WindowRequest {
  return { now: NOW, settleMs: SETTLE_MS, clientTime: null, state: null, cursor: null, ...overrides };
}

/** A stored poller state. */
const state = (position: string, previousStart: string, clientTime: number | null): PollerState => ({
  position,
  previousStart,
  clientTime,
});

/** Whether the index Query (inclusive bounds, as store/change-stream.ts asks) returns this position. */
function covers(w: Window, position: string): boolean {
  if (w.empty) return false;
  return (w.lower === null || position >= w.lower) && position <= w.upper;
}

describe('planWindow: the initial load', () => {
  test('a poll without a client time is the initial load: from the start to the settled edge, no window start', () => {
    const w = planWindow(request({}));

    assert.equal(w.mode, 'initial');
    assert.equal(w.from, STREAM_START);
    assert.equal(w.lower, null);
    assert.equal(w.upper, `${SETTLED}~`);
    assert.equal(w.windowStart, null);
    assert.equal(w.empty, false);
    assert.equal(w.recordWhenEmpty, true);
  });

  test('the initial load reads from the start of the stream whatever the stored state', () => {
    const w = planWindow(request({ state: state(pos(NOW - MINUTE), pos(NOW - 2 * MINUTE), NOW - 3 * MINUTE) }));

    assert.equal(w.mode, 'initial');
    assert.ok(covers(w, pos(NOW - 3_600_000)));
  });

  test('the initial load does not read changes younger than the settle delay (writes in flight)', () => {
    const w = planWindow(request({}));

    assert.equal(covers(w, pos(NOW - 100)), false);
    assert.equal(covers(w, pos(SETTLED_MS - 1)), true);
  });
});

describe("planWindow: a key's first poll with a time", () => {
  test('starts at the client time', () => {
    const client = NOW - MINUTE;
    const w = planWindow(request({ clientTime: client }));

    assert.equal(w.mode, 'since');
    assert.equal(w.from, isoMs(client));
    assert.equal(w.windowStart, client);
    assert.ok(covers(w, pos(client + 1)));
    assert.equal(covers(w, pos(client - 1)), false);
    assert.equal(w.recordWhenEmpty, true);
  });

  test('a change stamped exactly at the client time is included', () => {
    const client = NOW - MINUTE;
    assert.ok(covers(planWindow(request({ clientTime: client })), pos(client)));
  });

  test('a client time ahead of the hub (or past year 9999) asks for nothing newer than now: empty', () => {
    for (const clientTime of [NOW + 10 * MINUTE, Date.parse('9999-12-31T23:59:59-14:00')]) {
      const w = planWindow(request({ clientTime }));
      assert.equal(w.empty, true);
      assert.equal(w.from, isoMs(NOW));
    }
  });

  test('a change stamped after now minus the settle delay is beyond the upper bound', () => {
    const w = planWindow(request({ clientTime: NOW - MINUTE }));
    assert.equal(covers(w, pos(SETTLED_MS + 1)), false);
    assert.ok(covers(w, pos(SETTLED_MS, 'ZZZ')), 'the settled edge itself, with any tie-breaker');
  });
});

describe('planWindow: a known poller', () => {
  const served = pos(NOW - 5 * MINUTE, 'WO-9');
  const started = pos(NOW - 8 * MINUTE, 'WO-2');
  const lastClient = NOW - 6 * MINUTE;

  test('a later client time means the last answer arrived: continue from the stored position', () => {
    const w = planWindow(request({ clientTime: lastClient + 1000, state: state(served, started, lastClient) }));

    assert.equal(w.from, served);
    assert.equal(covers(w, served), false);
    assert.ok(covers(w, pos(NOW - 5 * MINUTE, 'WO-9a')), 'same millisecond, later tie-breaker');
  });

  test('a clock 10 minutes slow changes nothing once the poller is known', () => {
    // The poller's clock reads ten minutes behind the hub's: its times are old, but they advance.
    const w = planWindow(request({ clientTime: NOW - 10 * MINUTE, state: state(served, started, NOW - 11 * MINUTE) }));

    assert.equal(w.from, served, 'no re-serving of ten minutes of history on every poll');
  });

  test('a clock 10 minutes fast changes nothing once the poller is known', () => {
    const w = planWindow(request({ clientTime: NOW + 10 * MINUTE, state: state(served, started, NOW + 9 * MINUTE) }));
    assert.equal(w.from, served);
  });

  test('the same client time again means the answer was lost: serve again from where that poll started', () => {
    const w = planWindow(request({ clientTime: lastClient, state: state(served, started, lastClient) }));

    assert.equal(w.from, started);
    assert.ok(covers(w, pos(NOW - 7 * MINUTE)));
  });

  test("the same time again from a slow clock serves the lost answer only, not the clock's whole lag", () => {
    // The poller's clock is 10 minutes slow: its time is far behind where the lost poll started.
    const slowTime = NOW - 15 * MINUTE;
    const w = planWindow(request({ clientTime: slowTime, state: state(served, started, slowTime) }));

    assert.equal(w.from, started);
  });

  test('a time earlier than the one stored (clock set back, re-sync) is served from that time', () => {
    const w = planWindow(request({ clientTime: NOW - 30 * MINUTE, state: state(served, started, NOW - 6 * MINUTE) }));
    assert.equal(w.from, isoMs(NOW - 30 * MINUTE));
  });

  test('after an initial load any client time continues from the stored position', () => {
    const w = planWindow(request({ clientTime: NOW - 90 * MINUTE, state: state(SETTLED, STREAM_START, null) }));
    assert.equal(w.from, SETTLED);
  });

  test('the window start tells creates from updates: the time part of where the window starts', () => {
    const w = planWindow(request({ clientTime: lastClient + 1, state: state(served, started, lastClient) }));
    assert.equal(w.windowStart, NOW - 5 * MINUTE);
  });

  test('a known poller that is served nothing writes nothing', () => {
    const w = planWindow(request({ clientTime: lastClient + 1, state: state(served, started, lastClient) }));
    assert.equal(nextState(w, null, false), null);
  });
});

describe('nextState', () => {
  test('a complete page has served everything up to the settled edge', () => {
    const w = planWindow(request({ clientTime: NOW - MINUTE }));
    assert.deepEqual(nextState(w, pos(NOW - 30_000), false), {
      position: SETTLED,
      previousStart: isoMs(NOW - MINUTE),
      clientTime: NOW - MINUTE,
    });
  });

  test('a truncated page remembers only the last change served', () => {
    const w = planWindow(request({ clientTime: NOW - MINUTE }));
    const last = pos(NOW - 40_000, 'WO-7');
    assert.equal(nextState(w, last, true)!.position, last);
  });

  test('a truncated initial page remembers its last change, a complete one the settled edge', () => {
    const w = planWindow(request({}));
    assert.deepEqual(nextState(w, pos(NOW - 40_000), true), { position: pos(NOW - 40_000), previousStart: STREAM_START, clientTime: null });
    assert.equal(nextState(w, pos(NOW - 40_000), false)!.position, SETTLED);
    assert.equal(nextState(w, null, false)!.position, SETTLED, 'an empty initial load is remembered too');
  });

  test("a key's first poll is remembered even when it serves nothing", () => {
    const w = planWindow(request({ clientTime: NOW + 10 * MINUTE }));
    assert.deepEqual(nextState(w, null, false), { position: SETTLED, previousStart: isoMs(NOW), clientTime: NOW + 10 * MINUTE });
  });

  test('a lost answer is served again and the poller then continues: no change skipped', () => {
    // Poll 1 (client time c0) serves up to p1; its answer is lost; poll 2 repeats c0.
    const c0 = NOW - 3 * MINUTE;
    const first = planWindow(request({ clientTime: c0, state: state(pos(NOW - 4 * MINUTE), pos(NOW - 5 * MINUTE), c0 - MINUTE) }));
    const afterFirst = nextState(first, pos(NOW - 3 * MINUTE), false)!;
    const repeat = planWindow(request({ clientTime: c0, state: afterFirst }));

    assert.equal(repeat.from, first.from, 'the repeat starts where the lost poll started');
  });
});

describe('cursors', () => {
  test('a cursor round-trips its position and window start', () => {
    const after = pos(NOW - 30_000, 'WO-%23-5');

    assert.deepEqual(decodeCursor(encodeCursor(after, NOW - 60_000)), { after, windowStart: NOW - 60_000 });
  });

  test('a cursor of the initial load round-trips a null window start', () => {
    const after = pos(NOW - 30_000);

    assert.deepEqual(decodeCursor(encodeCursor(after, null)), { after, windowStart: null });
  });

  test('a cursor on a bare settled time round-trips', () => {
    assert.deepEqual(decodeCursor(encodeCursor(SETTLED, null)), { after: SETTLED, windowStart: null });
  });

  test('a cursor is URL-safe as it is', () => {
    const cursor = encodeCursor(pos(NOW, 'WO/+?&=1'), NOW);

    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  });

  const json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const rejected: [string, string][] = [
    ['not base64 at all', '!!!%%%'],
    ['the empty string', ''],
    ['base64 of text that is not JSON', Buffer.from('hello, hub').toString('base64url')],
    ['JSON null', json(null)],
    ['a JSON array', json([pos(NOW), null])],
    ['a position that is a number', json({ a: 1_763_719_200_000, s: null })],
    ['a missing position', json({ s: null })],
    ['a position that is not a stream position', json({ a: 'ORDER#WO-1#AssignedBySender', s: null })],
    ['a position without milliseconds', json({ a: '2026-11-21T10:00:00Z#A#1', s: null })],
    ['a position with a control character', json({ a: `${pos(NOW)}\u0001`, s: null })],
    ['a position with an empty tie-breaker', json({ a: `${isoMs(NOW)}#`, s: null })],
    ['a window start that is a string', json({ a: pos(NOW), s: '2026-11-21T10:00:00.000Z' })],
    ['a window start that is a fraction', json({ a: pos(NOW), s: 1.5 })],
    ['a window start beyond safe integers', json({ a: pos(NOW), s: 2 ** 60 })],
    ['a missing window start', json({ a: pos(NOW) })],
  ];
  for (const [what, raw] of rejected) {
    test(`a cursor with ${what} is rejected`, () => {
      assert.equal(decodeCursor(raw), null);
    });
  }

  test('a continuation of a since poll keeps its window start', () => {
    const windowStart = NOW - 60_000;

    const w = planWindow(request({ clientTime: NOW - 60_000, cursor: { after: pos(NOW - 30_000), windowStart } }));

    assert.equal(w.mode, 'since');
    assert.equal(w.windowStart, windowStart);
  });

  test('a continuation starts just after the cursor position', () => {
    const after = pos(NOW - 30_000, 'WO-1');

    const w = planWindow(request({ clientTime: NOW - 60_000, cursor: { after, windowStart: NOW - 60_000 } }));

    assert.ok(!covers(w, after));
    assert.ok(covers(w, pos(NOW - 30_000, 'WO-2')));
    assert.ok(!covers(w, pos(SETTLED_MS + 1)), 'a continuation still stops at the settled edge');
  });

  test('a continuation ignores the stored watermark and never moves it when it serves nothing', () => {
    const w = planWindow(
      request({
        clientTime: NOW - 60_000,
        state: state(pos(NOW - 3_600_000), pos(NOW - 3_700_000), NOW - 120_000),
        cursor: { after: pos(NOW - 30_000), windowStart: NOW - 60_000 },
      }),
    );

    assert.ok(!covers(w, pos(NOW - 1_800_000)));
    assert.equal(w.recordWhenEmpty, false);
    assert.equal(nextState(w, null, false), null);
  });

  test('a continuation of the initial load stays the initial load: settled upper bound, window start null', () => {
    const w = planWindow(request({ cursor: { after: pos(NOW - 30_000), windowStart: null } }));

    assert.equal(w.mode, 'initial');
    assert.equal(w.upper, `${SETTLED}~`);
    assert.equal(w.windowStart, null);
    assert.ok(covers(w, pos(NOW - 29_999)));
  });
});
