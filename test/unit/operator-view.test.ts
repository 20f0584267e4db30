/** The operator view's pollers on in-memory ports: states, backlog, lag, revoked keys left out, subscriptions with their own state. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { lagSeconds, pollerHealth, positionTime, subscriptionHealth } from '../../functions/domain/operator-view.ts';
import { isoMs } from '../../functions/domain/time.ts';
import type { Subscription } from '../../functions/domain/webhooks.ts';
import type { Stream } from '../../functions/store/keys.ts';
import type { KeyInfo, StoredPoller } from '../../functions/store/operator-store.ts';
import { countSilentPollers, type OperatorPorts, readPollers } from '../../functions/use-cases/operator-view.ts';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const MIN = 60_000;
const SETTINGS = { silentAfterMs: 15 * MIN, settleMs: 3000, backlogCap: 1000 };

describe('health', () => {
  test('silent past the threshold, else behind when the oldest unserved change is that old, else live', () => {
    const base = { now: NOW, silentAfterMs: 15 * MIN };
    assert.equal(pollerHealth({ ...base, lastPollAt: NOW - 16 * MIN, oldestUnservedAt: null }), 'silent');
    assert.equal(pollerHealth({ ...base, lastPollAt: NOW - MIN, oldestUnservedAt: NOW - 20 * MIN }), 'behind');
    assert.equal(pollerHealth({ ...base, lastPollAt: NOW - MIN, oldestUnservedAt: NOW - 2 * MIN }), 'live');
    assert.equal(
      pollerHealth({ ...base, lastPollAt: NOW - 15 * MIN, oldestUnservedAt: null }),
      'live',
      'exactly the threshold is not older',
    );
    assert.equal(lagSeconds(null, NOW), 0);
    assert.equal(lagSeconds(NOW - 90_500, NOW), 90);
    assert.equal(lagSeconds(NOW + 5000, NOW), 0);
    assert.equal(positionTime('2026-06-01T11:00:00.000Z#A#1'), '2026-06-01T11:00:00.000Z');
    assert.equal(positionTime(''), null);
  });

  test('a subscription: disabled, failing, behind, live', () => {
    const base = { now: NOW, silentAfterMs: 15 * MIN, oldestUnservedAt: null, failingSince: null };
    assert.equal(subscriptionHealth({ ...base, status: 'disabled' }), 'disabled');
    assert.equal(subscriptionHealth({ ...base, status: 'active', failingSince: NOW - MIN }), 'failing');
    assert.equal(subscriptionHealth({ ...base, status: 'active', oldestUnservedAt: NOW - 30 * MIN }), 'behind');
    assert.equal(subscriptionHealth({ ...base, status: 'active' }), 'live');
  });
});

function ports(pollers: StoredPoller[], keys: Record<string, KeyInfo>, changes: Record<string, string[]>, subs: Subscription[] = []) {
  const counted: string[] = [];
  const p: OperatorPorts & { counted: string[] } = {
    counted,
    store: {
      pollersOf: async () => pollers,
      keyInfo: async (ids) => new Map(ids.filter((id) => keys[id]).map((id) => [id, keys[id]!])),
      unserved: async (_f, stream: Stream, after, upTo, cap) => {
        counted.push(stream);
        const after_ = (changes[stream] ?? []).filter((pos) => pos > after && pos <= upTo);
        return {
          count: Math.min(after_.length, cap),
          capped: after_.length > cap,
          oldest: after_[0] ? Date.parse(after_[0].slice(0, 24)) : null,
        };
      },
    },
    subscriptions: { list: async () => subs },
    deliveries: { count: async () => 2 },
  };
  return p;
}

describe('readPollers', () => {
  test('one row per key and kind: a live poller, a silent one, a behind one with a capped backlog; revoked keys left out', async () => {
    const changes = {
      ORDERS: [isoMs(NOW - 10 * MIN), isoMs(NOW - 5 * MIN)].map((t, i) => `${t}#A#${i}`),
      RECORDS: Array.from({ length: 1500 }, (_, i) => `${isoMs(NOW - 40 * MIN + i)}#A#${i}`),
    };
    const pollers: StoredPoller[] = [
      { keyId: 'pcs1', stream: 'ORDERS', position: isoMs(NOW - 6 * MIN), lastPollAt: NOW - 30_000, lastClientTime: NOW - 40_000 },
      { keyId: 'pcs2', stream: 'ORDERS', position: isoMs(NOW - 30 * MIN), lastPollAt: NOW - 20 * MIN, lastClientTime: null },
      { keyId: 'erp1', stream: 'RECORDS', position: isoMs(NOW - 60 * MIN), lastPollAt: NOW - MIN, lastClientTime: null },
      { keyId: 'gone', stream: 'ORDERS', position: isoMs(NOW - MIN), lastPollAt: NOW, lastClientTime: null },
    ];
    const keys: Record<string, KeyInfo> = {
      pcs1: { name: 'Blender 1', role: 'pcs', revoked: false },
      pcs2: { name: 'Blender 2', role: 'pcs', revoked: false },
      erp1: { name: 'ERP', role: 'erp', revoked: false },
      gone: { name: 'old', role: 'pcs', revoked: true },
    };
    const { pollers: rows } = await readPollers(ports(pollers, keys, changes), 'F', SETTINGS, NOW);
    const byKey = Object.fromEntries(rows.map((r) => [r.keyId, r]));
    assert.deepEqual(Object.keys(byKey).sort(), ['erp1', 'pcs1', 'pcs2']);
    assert.deepEqual(
      { state: byKey.pcs1!.state, backlog: byKey.pcs1!.backlog, lag: byKey.pcs1!.lagSeconds, kind: byKey.pcs1!.kind },
      { state: 'live', backlog: 1, lag: 300, kind: 'dispensingWorkOrder' },
    );
    assert.equal(byKey.pcs1!.lastExecutionDateTime, new Date(NOW - 40_000).toISOString());
    assert.equal(byKey.pcs1!.keyName, 'Blender 1');
    assert.equal(byKey.pcs2!.state, 'silent');
    assert.equal(byKey.pcs2!.backlog, 2);
    assert.deepEqual(
      { state: byKey.erp1!.state, backlog: byKey.erp1!.backlog, capped: byKey.erp1!.backlogCapped, kind: byKey.erp1!.kind },
      { state: 'behind', backlog: 1000, capped: true, kind: 'dispensingWorkRecord' },
    );
  });

  test('costs one capped count per poller and per subscription', async () => {
    const sub = {
      subscriptionId: 'sub_1',
      facilityId: 'F',
      keyId: 'pcs1',
      url: 'https://x',
      events: 'dispensingWorkOrder',
      status: 'active',
      disabledReason: null,
      position: isoMs(NOW - MIN),
      failingSince: NOW - 1000,
      lastDeliveryAt: null,
    } as unknown as Subscription;
    const p = ports(
      [{ keyId: 'pcs1', stream: 'ORDERS', position: isoMs(NOW - MIN), lastPollAt: NOW, lastClientTime: null }],
      { pcs1: { name: 'B', role: 'pcs', revoked: false } },
      {},
      [sub],
    );
    const view = await readPollers(p, 'F', SETTINGS, NOW);
    assert.equal(p.counted.length, 2);
    assert.equal(view.subscriptions[0]!.state, 'failing');
    assert.equal(view.subscriptions[0]!.failedDeliveries, 2);
  });
});

describe('countSilentPollers (the alarm metric)', () => {
  test('counts silent pollers of every facility, revoked keys left out', async () => {
    const byFacility: Record<string, StoredPoller[]> = {
      A: [
        { keyId: 'k1', stream: 'ORDERS', position: isoMs(NOW), lastPollAt: NOW - 20 * MIN, lastClientTime: null },
        { keyId: 'k2', stream: 'ORDERS', position: isoMs(NOW), lastPollAt: NOW - MIN, lastClientTime: null },
      ],
      B: [{ keyId: 'gone', stream: 'ORDERS', position: isoMs(NOW), lastPollAt: NOW - 60 * MIN, lastClientTime: null }],
    };
    const store = ports([], {}, {}).store;
    store.pollersOf = async (f) => byFacility[f] ?? [];
    store.keyInfo = async (ids) => new Map(ids.map((id) => [id, { name: id, role: 'pcs' as const, revoked: id === 'gone' }]));
    assert.equal(await countSilentPollers({ store, allFacilities: async () => ['A', 'B', 'C'] }, 15 * MIN, NOW), 1);
  });
});
