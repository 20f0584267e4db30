import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCursor,
  encodeCursor,
  nextWatermark,
  planWindow,
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

/** A realistic stream position: an order's hub modification time with its identity as tie-breaker. */
const pos = (ms: number, number = 'WO-1'): string => changePosition(isoMs(ms), AGENCY, number);

function request(overrides: Partial<WindowRequest>): WindowRequest {
  return { now: NOW, settleMs: SETTLE_MS, clientTime: null, watermark: null, cursor: null, ...overrides };
}

/** Whether the index Query (inclusive bounds, as store/change-stream.ts asks) returns this position. */
function covers(w: Window, position: string): boolean {
  if (w.empty) return false;
  return (w.lower === null || position >= w.lower) && (w.upper === null || position <= w.upper);
}

describe('planWindow: the initial load', () => {
  test('a poll without a client time is the initial load: from the start to the settled edge, no window start', () => {
    const w = planWindow(request({}));

    assert.equal(w.mode, 'initial');
    assert.equal(w.lower, null);
    assert.equal(w.upper, `${SETTLED}~`);
    assert.equal(w.windowStart, null);
    assert.equal(w.empty, false);
  });

  test("the initial load's watermarkIfEmpty is the settled edge, now minus the settle delay", () => {
    const w = planWindow(request({}));

    assert.equal(w.settled, SETTLED);
    assert.equal(w.watermarkIfEmpty, SETTLED);
  });

  test('the initial load reads from the start of the stream whatever the stored watermark', () => {
    const w = planWindow(request({ watermark: pos(NOW - 60_000) }));

    assert.equal(w.mode, 'initial');
    assert.ok(covers(w, pos(NOW - 3_600_000)));
  });
});

describe('planWindow: since a client time', () => {
  test('without a watermark the window starts at the client time', () => {
    const client = NOW - 60_000;

    const w = planWindow(request({ clientTime: client }));

    assert.equal(w.mode, 'since');
    assert.equal(w.windowStart, client);
    assert.ok(covers(w, pos(client + 1)));
    assert.ok(!covers(w, pos(client - 1)));
  });

  test('a watermark earlier than the client time wins (client clock ahead, or a lost response)', () => {
    const watermarkMs = NOW - 120_000;
    const client = NOW - 60_000;

    const w = planWindow(request({ clientTime: client, watermark: pos(watermarkMs, 'WO-9') }));

    assert.equal(w.windowStart, watermarkMs);
    assert.ok(covers(w, pos(client - 30_000)), 'a change between the watermark and the client time is served');
  });

  test('a client time earlier than the watermark wins (client clock behind)', () => {
    const watermarkMs = NOW - 60_000;
    const client = NOW - 120_000;

    const w = planWindow(request({ clientTime: client, watermark: pos(watermarkMs) }));

    assert.equal(w.windowStart, client);
    assert.ok(covers(w, pos(client + 30_000)), 'a change between the client time and the watermark is served');
  });

  test('a change stamped exactly at the client time is included', () => {
    const client = NOW - 60_000;

    const w = planWindow(request({ clientTime: client }));

    assert.ok(covers(w, pos(client)));
  });

  test('the lower bound sits just after the bare client time and before any position stamped at it', () => {
    const client = NOW - 60_000;

    const w = planWindow(request({ clientTime: client }));

    assert.ok(w.lower !== null && w.lower > isoMs(client), 'the bare time itself is below the window');
    assert.ok(w.lower < `${isoMs(client)}#`, 'positions stamped at the client time are inside it');
  });

  test('in the same millisecond, the position after the watermark is served and the watermark itself is not', () => {
    const t = NOW - 60_000;
    const watermark = pos(t, 'WO-A1');

    const w = planWindow(request({ clientTime: NOW - 10_000, watermark }));

    assert.ok(covers(w, pos(t, 'WO-A2')));
    assert.ok(!covers(w, watermark));
  });

  test('in the same millisecond, a longer number sharing the prefix of the watermark is still served', () => {
    const t = NOW - 60_000;

    const w = planWindow(request({ clientTime: NOW - 10_000, watermark: pos(t, 'WO-1') }));

    assert.ok(covers(w, pos(t, 'WO-10')));
  });

  test('a change stamped at the settled edge is served, with any tie-breaker', () => {
    const w = planWindow(request({ clientTime: NOW - 60_000 }));

    assert.ok(covers(w, pos(SETTLED_MS, '~~~~')));
  });

  test('a change stamped after now minus the settle delay is beyond the upper bound', () => {
    const w = planWindow(request({ clientTime: NOW - 60_000 }));

    assert.ok(!covers(w, pos(SETTLED_MS + 1)));
    assert.ok(w.upper !== null && pos(SETTLED_MS + 1) > w.upper);
  });

  test('a client far ahead with no watermark gets an empty window, lower above upper', () => {
    const w = planWindow(request({ clientTime: NOW + 600_000 }));

    assert.equal(w.empty, true);
    assert.ok(w.lower !== null && w.upper !== null && w.lower > w.upper);
  });

  test("a client far ahead on its first poll records the settled edge as its watermark (min of from and settled)", () => {
    const w = planWindow(request({ clientTime: NOW + 600_000 }));

    assert.equal(w.watermarkIfEmpty, SETTLED);
  });

  test('a client time just inside the settle delay with no watermark gets an empty window', () => {
    const w = planWindow(request({ clientTime: NOW - 1 }));

    assert.equal(w.empty, true);
    assert.equal(w.watermarkIfEmpty, SETTLED);
  });

  test("a client behind the settled edge on its first poll records its own time as the watermark", () => {
    const client = NOW - 60_000;

    const w = planWindow(request({ clientTime: client }));

    assert.equal(w.watermarkIfEmpty, isoMs(client));
  });

  test('a client far ahead with a watermark reads from the watermark', () => {
    const watermark = pos(NOW - 60_000);

    const w = planWindow(request({ clientTime: NOW + 600_000, watermark }));

    assert.equal(w.empty, false);
    assert.ok(covers(w, pos(NOW - 30_000)));
  });

  test('a poll with a stored watermark leaves it alone when it serves nothing (watermarkIfEmpty null)', () => {
    const w = planWindow(request({ clientTime: NOW - 10_000, watermark: pos(NOW - 60_000) }));

    assert.equal(w.watermarkIfEmpty, null);
  });

  test(
    'a client time past year 9999 (in UTC) is ahead of the hub like any fast clock: nothing to serve',
    () => {
      const client = Date.parse('9999-12-31T23:59:59.000-14:00');

      const w = planWindow(request({ clientTime: client }));

      assert.ok(!covers(w, pos(NOW - 3_600_000)), 'an hour-old change is served to a client that says it is year 10000');
    },
  );
});

describe('nextWatermark', () => {
  test('a truncated page moves the watermark to the last position served', () => {
    const w = planWindow(request({ clientTime: NOW - 60_000 }));
    const last = pos(NOW - 30_000);

    assert.equal(nextWatermark(w, last, true), last);
  });

  test('a truncated initial page moves the watermark to the last position served', () => {
    const w = planWindow(request({}));
    const last = pos(NOW - 3_600_000);

    assert.equal(nextWatermark(w, last, true), last);
  });

  test('a complete initial load moves the watermark to the settled edge', () => {
    const w = planWindow(request({}));

    assert.equal(nextWatermark(w, pos(NOW - 3_600_000), false), SETTLED);
  });

  test('an initial load that found nothing moves the watermark to the settled edge', () => {
    const w = planWindow(request({}));

    assert.equal(nextWatermark(w, null, false), SETTLED);
  });

  test(
    'a truncated initial page never moves the watermark past the settled edge (writes in flight below it)',
    () => {
      const w = planWindow(request({}));

      // The page cannot end on a change younger than the settle delay: the initial load
      // does not read it, so neither the watermark nor a cursor can pass writes in flight.
      assert.equal(covers(w, pos(NOW - 100)), false);
      assert.equal(covers(w, pos(NOW - 1 - (NOW - Date.parse(SETTLED)))), true);
    },
  );

  test('a since poll that served something moves the watermark to the last position served', () => {
    const w = planWindow(request({ clientTime: NOW - 60_000, watermark: pos(NOW - 90_000) }));
    const last = pos(NOW - 30_000, 'WO-7');

    assert.equal(nextWatermark(w, last, false), last);
  });

  test('a since poll that served nothing with an existing watermark writes nothing (null)', () => {
    const w = planWindow(request({ clientTime: NOW - 60_000, watermark: pos(NOW - 90_000) }));

    assert.equal(nextWatermark(w, null, false), null);
  });

  test("a key's first since poll that served nothing records where it stands", () => {
    const w = planWindow(request({ clientTime: NOW + 600_000 }));

    assert.equal(nextWatermark(w, null, false), SETTLED);
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
      request({ clientTime: NOW - 60_000, watermark: pos(NOW - 3_600_000), cursor: { after: pos(NOW - 30_000), windowStart: NOW - 60_000 } }),
    );

    assert.ok(!covers(w, pos(NOW - 1_800_000)));
    assert.equal(w.watermarkIfEmpty, null);
    assert.equal(nextWatermark(w, null, false), null);
  });

  test('a continuation of the initial load stays the initial load: settled upper bound, window start null', () => {
    const w = planWindow(request({ cursor: { after: pos(NOW - 30_000), windowStart: null } }));

    assert.equal(w.mode, 'initial');
    assert.equal(w.upper, `${SETTLED}~`);
    assert.equal(w.windowStart, null);
    assert.ok(covers(w, pos(NOW - 29_999)));
  });
});
