/**
 * The poll that reads the index before its poller state arrives (a guessed lower bound, cut to
 * the real window afterwards) serves exactly what the one-step-after-the-other poll serves and
 * leaves the same state, whatever the guess; and a repeated poll that moves nothing but its
 * settled edge writes nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { PollerState, Window } from '../../functions/domain/poll-window.ts';
import { isoMs } from '../../functions/domain/time.ts';
import type { PageLimits } from '../../functions/store/change-stream.ts';
import { type PollStore, pollChanges } from '../../functions/use-cases/poll-changes.ts';

const T0 = Date.parse('2026-05-01T08:00:00.000Z');

interface Change {
  position: string;
  n: number;
}

/** A change stream read like the index; with `speculative`, pages carry positions and the store offers hints. */
function store(changes: Change[], speculative: boolean, hint: () => PollerState | null | undefined) {
  const s: PollStore & { states: Map<string, PollerState>; puts: number; queries: number; itemsRead: number } = {
    states: new Map(),
    puts: 0,
    queries: 0,
    itemsRead: 0,
    async getPollerState(keyId) {
      return s.states.get(keyId) ?? null;
    },
    async putPollerState(keyId, _stream, _facility, state) {
      s.puts++;
      s.states.set(keyId, state);
    },
    async readStream(_facility: string, _stream: string, window: Window, limits: PageLimits) {
      if (window.empty) return { items: [], lastPosition: null, truncated: false, positions: [] };
      s.queries++;
      const visible = changes.filter((c) => (window.lower === null || c.position >= window.lower) && c.position <= window.upper);
      const items = visible.slice(0, limits.maxItems);
      // The real store asks for one more than fits, to tell whether the page is truncated.
      s.itemsRead += Math.min(visible.length, limits.maxItems + 1);
      return {
        items: items as unknown as Record<string, unknown>[],
        lastPosition: items.at(-1)?.position ?? null,
        truncated: visible.length > items.length,
        ...(speculative ? { positions: items.map((i) => i.position) } : {}),
      };
    },
  };
  if (speculative) s.stateHint = () => hint();
  return s;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('polls that read the index early', () => {
  test('serve what the step-by-step poll serves and leave the same state, for any guess', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const changes: Change[] = [];
      const plain = store(changes, false, () => undefined);
      // The hint is sometimes right, sometimes stale or made up, sometimes absent.
      let hint: PollerState | null | undefined;
      const spec = store(changes, true, () => hint);
      let now = T0;
      let lastSent: number | null = null;
      let lastTime = T0;
      for (let step = 0; step < 60; step++) {
        now += Math.floor(rnd() * 3000);
        for (let k = Math.floor(rnd() * 4); k > 0; k--) {
          const at = now - Math.floor(rnd() * 2000);
          changes.push({ position: `${isoMs(at)}#N${changes.length}`, n: changes.length });
        }
        changes.sort((a, b) => (a.position < b.position ? -1 : 1));
        const r = rnd();
        const clientTime: number | null =
          r < 0.1 ? null : r < 0.3 && lastSent !== null ? lastSent : r < 0.4 ? now - 600_000 : r < 0.5 ? now + 600_000 : lastTime;
        const h = rnd();
        hint =
          h < 0.4
            ? spec.states.get('k')
            : h < 0.6
              ? undefined
              : h < 0.7
                ? null
                : { position: isoMs(now - Math.floor(rnd() * 20_000)), previousStart: isoMs(now - 30_000), clientTime: now - 10_000 };
        const settings = { settleMs: 1000, pageSize: 1 + Math.floor(rnd() * 4), maxBytes: 1_000_000 };
        const request = { keyId: 'k', facilityId: 'f', stream: 'ORDERS' as const, clientTime, cursor: null };
        const a = await pollChanges(plain, request, settings, () => now);
        const b = await pollChanges(spec, request, settings, () => now);
        assert.deepEqual(b.items, a.items, `seed ${seed} step ${step}: the same changes`);
        assert.deepEqual(b.next, a.next, `seed ${seed} step ${step}: the same continuation`);
        assert.deepEqual(spec.states.get('k'), plain.states.get('k'), `seed ${seed} step ${step}: the same state`);
        lastSent = clientTime;
        lastTime = now;
      }
    }
  });

  test('a right guess costs one index read; a repeated poll that serves the same changes writes nothing', async () => {
    const changes = Array.from({ length: 5 }, (_, i) => ({ position: `${isoMs(T0 + i * 100)}#N${i}`, n: i }));
    let hint: PollerState | null | undefined;
    const s = store(changes, true, () => hint);
    const settings = { settleMs: 1000, pageSize: 10, maxBytes: 1_000_000 };
    const since = T0 - 1000;
    const first = await pollChanges(
      s,
      { keyId: 'k', facilityId: 'f', stream: 'ORDERS', clientTime: since, cursor: null },
      settings,
      () => T0 + 5000,
    );
    assert.equal(first.items.length, 5);
    assert.equal(s.puts, 1);
    for (let i = 1; i <= 3; i++) {
      hint = s.states.get('k');
      const queries = s.queries;
      const again = await pollChanges(
        s,
        { keyId: 'k', facilityId: 'f', stream: 'ORDERS', clientTime: since, cursor: null },
        settings,
        () => T0 + 5000 + i * 1000,
      );
      assert.equal(again.items.length, 5, 'the lost answer is served again');
      assert.equal(s.queries - queries, 1, 'one index read');
    }
    assert.equal(s.puts, 1, 'only the settled edge moved: nothing to write');
  });

  describe('a poll reads what it serves, not the changes just before its time', () => {
    const settings = { settleMs: 3000, pageSize: 250, maxBytes: 1_000_000 };
    // 1,000 changes within a second, then 10 more three seconds later.
    const burst = (): Change[] => Array.from({ length: 1000 }, (_, i) => ({ position: `${isoMs(T0 + i)}#B${i}`, n: i }));
    const ten = (from: number): Change[] =>
      Array.from({ length: 10 }, (_, i) => ({ position: `${isoMs(from + i * 10)}#C${i}`, n: 1000 + i }));
    const poll = (s: ReturnType<typeof store>, clientTime: number, now: number) =>
      pollChanges(s, { keyId: 'k', facilityId: 'f', stream: 'ORDERS', clientTime, cursor: null }, settings, () => now);

    test('a known poller that was served a burst reads only the changes since', async () => {
      // Its previous poll (sent at T0 + 4 s by a right clock) served everything up to T0 + 1 s.
      const served: PollerState = { position: isoMs(T0 + 1000), previousStart: isoMs(T0 - 60_000), clientTime: T0 - 60_000 };
      const changes = [...burst(), ...ten(T0 + 4500)];
      let hint: PollerState | null | undefined = served;
      const s = store(changes, true, () => hint);
      s.states.set('k', served);
      const page = await poll(s, T0 + 4000, T0 + 9000);
      assert.equal(page.items.length, 10);
      assert.equal(s.itemsRead, 10, 'read the 10 changes it serves, none of the burst it was served before');
      assert.equal(s.queries, 1);
      // Its next poll finds nothing new and reads nothing.
      hint = s.states.get('k');
      const [reads, queries, puts] = [s.itemsRead, s.queries, s.puts];
      const next = await poll(s, T0 + 9000, T0 + 10_000);
      assert.equal(next.items.length, 0);
      assert.equal(s.itemsRead - reads, 0, 'an empty poll reads no change');
      assert.equal(s.queries - queries, 1, 'one index read');
      assert.equal(s.puts - puts, 0, 'no write');
    });

    test("a key's first poll with a time 3 s after a load reads only what it serves", async () => {
      const changes = [...burst(), ...ten(T0 + 4500)];
      const s = store(changes, true, () => undefined);
      const page = await poll(s, T0 + 1000 + 3000, T0 + 9000);
      assert.equal(page.items.length, 10);
      assert.equal(s.itemsRead, 10);
    });

    test('a known poller an instance does not know yet reads no more than twice what it serves', async () => {
      const served: PollerState = { position: isoMs(T0 + 1000), previousStart: isoMs(T0 - 60_000), clientTime: T0 - 60_000 };
      const s = store([...burst(), ...ten(T0 + 4500)], true, () => undefined);
      s.states.set('k', served);
      const page = await poll(s, T0 + 4000, T0 + 9000);
      assert.equal(page.items.length, 10, 'the changes since its position, none lost');
      assert.ok(s.itemsRead <= 20, `items read: ${s.itemsRead}`);
    });
  });
});
