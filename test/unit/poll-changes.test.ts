/**
 * The poll use case over an in-memory change stream: pages, the poller's remembered state,
 * no write for a poll that changes nothing, and continuation by cursor. The window rules
 * themselves are tested in poll-window.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { PollerState, Window } from '../../functions/domain/poll-window.ts';
import { isoMs } from '../../functions/domain/time.ts';
import type { PageLimits } from '../../functions/store/change-stream.ts';
import { type PollStore, pollChanges } from '../../functions/use-cases/poll-changes.ts';

const T0 = Date.parse('2026-05-01T08:00:00.000Z');
const SETTINGS = { settleMs: 3000, pageSize: 2, maxBytes: 1_000_000 };

/** A stream of changes at T0 + i seconds, read the way the index Query reads it. */
function memoryStream(count: number): PollStore & { states: Map<string, PollerState>; puts: number; reads: number } {
  const changes = Array.from({ length: count }, (_, i) => ({ position: `${isoMs(T0 + i * 1000)}#N${i}`, n: i, status: 'open' }));
  const store = {
    states: new Map<string, PollerState>(),
    puts: 0,
    reads: 0,
    async getPollerState(keyId: string) {
      store.reads++;
      return store.states.get(keyId) ?? null;
    },
    async putPollerState(keyId: string, _stream: string, _facility: string, state: PollerState) {
      store.puts++;
      store.states.set(keyId, state);
    },
    async readStream(_facility: string, _stream: string, window: Window, limits: PageLimits) {
      if (window.empty) return { items: [], lastPosition: null, truncated: false };
      const visible = changes.filter((c) => (window.lower === null || c.position >= window.lower) && c.position <= window.upper);
      const items = visible.slice(0, limits.maxItems);
      return { items, lastPosition: items.at(-1)?.position ?? null, truncated: visible.length > items.length };
    },
  };
  return store;
}

const request = (over: Partial<Parameters<typeof pollChanges>[1]> = {}) => ({
  keyId: 'k1',
  facilityId: 'plant-1',
  stream: 'ORDERS' as const,
  clientTime: null,
  cursor: null,
  ...over,
});
const numbers = (items: Record<string, unknown>[]) => items.map((i) => i.n);

describe('poll changes', () => {
  test('the initial load serves settled changes a page at a time and links the rest', async () => {
    const store = memoryStream(5);
    const now = () => T0 + 10_000;

    const first = await pollChanges(store, request(), SETTINGS, now);
    assert.deepEqual(numbers(first.items), [0, 1]);
    assert.ok(first.next);

    const second = await pollChanges(store, request({ cursor: first.next }), SETTINGS, now);
    assert.deepEqual(numbers(second.items), [2, 3]);
    assert.equal(store.reads, 1, 'a page by cursor does not read the poller state');
  });

  test('changes younger than the settle delay wait', async () => {
    const store = memoryStream(5);

    const page = await pollChanges(store, request(), { ...SETTINGS, pageSize: 10 }, () => T0 + 3500);

    assert.deepEqual(numbers(page.items), [0], 'only the change older than 3 s');
    assert.equal(page.next, null);
  });

  test('the next poll continues after what was served; a poll that serves nothing new writes nothing', async () => {
    const store = memoryStream(3);
    const now = () => T0 + 60_000;
    const first = await pollChanges(store, request(), { ...SETTINGS, pageSize: 10 }, now);
    assert.deepEqual(numbers(first.items), [0, 1, 2]);
    const putsAfterFirst = store.puts;

    const sent = Date.parse('2026-05-01T08:00:30.000Z');
    const second = await pollChanges(store, request({ clientTime: sent }), { ...SETTINGS, pageSize: 10 }, now);
    assert.deepEqual(numbers(second.items), []);
    const third = await pollChanges(store, request({ clientTime: sent }), { ...SETTINGS, pageSize: 10 }, now);
    assert.deepEqual(numbers(third.items), []);

    assert.equal(putsAfterFirst, 1);
    assert.ok(store.puts <= 2, `a repeated empty poll writes nothing (puts: ${store.puts})`);
  });

  test('each key has its own state', async () => {
    const store = memoryStream(2);
    await pollChanges(store, request({ keyId: 'a' }), SETTINGS, () => T0 + 60_000);

    const other = await pollChanges(store, request({ keyId: 'b' }), SETTINGS, () => T0 + 60_000);

    assert.deepEqual(numbers(other.items), [0, 1]);
    assert.deepEqual([...store.states.keys()].sort(), ['a', 'b']);
  });
});

describe('the last poll time (operator view)', () => {
  test('a poll that moves nothing writes nothing but, at most once per interval, the time it polled', async () => {
    const store = Object.assign(memoryStream(0), {
      notes: [] as number[],
      async notePoll(_k: string, _s: string, _f: string, poll: { at: number; clientTime: number | null; staleBefore: number }) {
        store.notes.push(poll.at);
        const state = store.states.get('k1')!;
        store.states.set('k1', { ...state, lastPollAt: poll.at });
      },
    });
    const settings = { ...SETTINGS, lastPollEveryMs: 60_000 };
    let t = T0 + 10_000;
    await pollChanges(store, request({ clientTime: T0 }), settings, () => t);
    assert.equal(store.puts, 1, 'the first poll stores the state');
    // The memory store keeps no lastPollAt on a put: the first empty poll after it notes one.
    for (let i = 1; i <= 30; i++) {
      t += 10_000;
      await pollChanges(store, request({ clientTime: t - 10_000 }), settings, () => t);
    }
    assert.equal(store.puts, 1, 'empty polls never write the state');
    assert.ok(store.notes.length >= 4 && store.notes.length <= 6, `noted ${store.notes.length} times in 5 minutes`);
    for (let i = 1; i < store.notes.length; i++) assert.ok(store.notes[i]! - store.notes[i - 1]! >= 60_000);
  });

  test('a store without notePoll (or no interval set) writes nothing on an empty poll', async () => {
    const store = memoryStream(0);
    await pollChanges(store, request({ clientTime: T0 }), SETTINGS, () => T0 + 10_000);
    await pollChanges(store, request({ clientTime: T0 + 10_000 }), SETTINGS, () => T0 + 100_000);
    assert.equal(store.puts, 1);
  });
});
