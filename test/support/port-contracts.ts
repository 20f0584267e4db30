/**
 * Contract suites of the webhook ports (functions/use-cases/webhook-ports.ts): what the use cases
 * (deliver-webhooks.ts, manage-subscriptions.ts) rely on of each port, as its interface comment
 * states it; and of the consumption store's records dated (the edges of a report). Each suite takes a factory of the port and runs on any implementation: the unit tier
 * runs them on the in-memory ports (test/unit/helpers/memory-webhooks.ts), the integration tier
 * on the DynamoDB stores (functions/store/) against DynamoDB Local.
 *
 * Every test makes facilities, keys and subscriptions of its own (`facility()` from the tier,
 * random ids for the rest), so a suite shares a table with anything else. Outbox times lie a
 * day ahead of the clock: a running sender reads every marker of the outbox, but only takes those
 * that are due (it may move a marker of the legacy partition into its shard first, as the suite's
 * own reads do: the outcome is the same).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'vitest';
import type { EdgeRecord } from '../../functions/domain/consumption.ts';
import { StorageError } from '../../functions/domain/errors.ts';
import type { Delivery, DueMarker, Subscription } from '../../functions/domain/webhooks.ts';
import type { WorkRecordDocument } from '../../functions/domain/work-records.ts';
import type { ConsumptionStore } from '../../functions/use-cases/get-consumption.ts';
import type { DeliveryLog, Outbox, SecretBox, SubscriptionStore } from '../../functions/use-cases/webhook-ports.ts';
import { workRecord } from './records.ts';

/** What every suite is given: a port (or ports) made fresh per test, and a facility id no other test uses. */
export interface ContractSetup<P> {
  make: () => P | Promise<P>;
  facility: () => string;
}

const uid = (what: string) => `${what}-${randomUUID()}`;

/** A new subscription as the subscribe use case stores it (version 1, nothing delivered). */
export function newSubscription(facilityId: string, over: Partial<Subscription> = {}): Subscription {
  return {
    subscriptionId: uid('sub'),
    facilityId,
    keyId: uid('key'),
    url: 'https://hooks.example/orders',
    events: 'dispensingWorkOrder',
    format: 'canonical',
    description: 'contract',
    status: 'active',
    disabledReason: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    secret: 'sealed-secret',
    previousSecret: null,
    previousUntil: null,
    position: '0',
    replayFrom: null,
    replays: 0,
    current: null,
    failingSince: null,
    lastDeliveryAt: null,
    version: 1,
    ...over,
  };
}

/** A delivery of `subscriptionId` created at second `second` of a fixed minute. */
export function newDelivery(subscriptionId: string, second: number, over: Partial<Delivery> = {}): Delivery {
  return {
    subscriptionId,
    deliveryId: uid('dlv'),
    webhookId: uid('msg'),
    bodyHash: 'hash',
    createdAt: `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
    status: 'pending',
    attempts: [],
    nextAttemptAt: null,
    retries: 0,
    lower: null,
    upper: `pos-${second}`,
    windowStart: null,
    nextPosition: `pos-${second}`,
    documents: 1,
    ...over,
  };
}

async function failure(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (e) {
    return e instanceof StorageError ? e.failure : String(e);
  }
  throw new Error('expected a failure');
}

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

export function subscriptionStoreContract(name: string, { make, facility }: ContractSetup<SubscriptionStore>): void {
  describe(`SubscriptionStore contract: ${name}`, () => {
    test('create stores a subscription that get and list answer as created; get answers null for none', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      assert.equal(await store.create(sub, 10), 'created');
      assert.deepEqual(await store.get(fac, sub.subscriptionId), sub);
      assert.deepEqual(await store.list(fac), [sub]);
      assert.equal(await store.get(fac, uid('sub')), null);
      assert.equal(await store.get(facility(), sub.subscriptionId), null, 'another facility has none');
    });

    test('getMany answers each subscription as get does, in the order asked, null for none', async () => {
      const store = await make();
      const fac = facility();
      const other = facility();
      const subs = [newSubscription(fac), newSubscription(other), newSubscription(fac)];
      for (const s of subs) assert.equal(await store.create(s, 10), 'created');
      const missing = { facilityId: fac, subscriptionId: uid('sub') };
      const keys = [subs[2]!, missing, subs[0]!, { facilityId: fac, subscriptionId: subs[1]!.subscriptionId }, subs[1]!];
      assert.deepEqual(await store.getMany(keys), [subs[2], null, subs[0], null, subs[1]]);
      assert.deepEqual(await store.getMany([]), []);
      const many = Array.from({ length: 105 }, (_, i) => (i % 2 === 0 ? subs[0]! : { facilityId: other, subscriptionId: uid('sub') }));
      assert.deepEqual(
        await store.getMany(many),
        many.map((_, i) => (i % 2 === 0 ? subs[0] : null)),
        'more keys than one request takes, a key asked twice',
      );
    });

    test('list answers every subscription of the facility, oldest id first, and nothing of another facility', async () => {
      const store = await make();
      const [fac, other] = [facility(), facility()];
      const keyId = uid('key');
      const subs = ['c', 'a', 'b'].map((p) => newSubscription(fac, { keyId, subscriptionId: `${p}-${randomUUID()}` }));
      for (const s of subs) assert.equal(await store.create(s, 10), 'created');
      assert.equal(await store.create(newSubscription(other, { keyId }), 10), 'created');
      const listed = await store.list(fac);
      assert.deepEqual(
        listed.map((s) => s.subscriptionId),
        subs.map((s) => s.subscriptionId).sort(),
      );
      assert.deepEqual(await store.list(facility()), []);
    });

    test('create answers limit-reached once the key has max at the facility; other keys and facilities count apart', async () => {
      const store = await make();
      const [fac, other] = [facility(), facility()];
      const keyId = uid('key');
      for (let i = 0; i < 3; i++) assert.equal(await store.create(newSubscription(fac, { keyId }), 3), 'created');
      const refused = newSubscription(fac, { keyId });
      assert.equal(await store.create(refused, 3), 'limit-reached');
      assert.equal(await store.get(fac, refused.subscriptionId), null, 'the refused one is not stored');
      assert.equal((await store.list(fac)).length, 3);
      assert.equal(await store.create(newSubscription(other, { keyId }), 3), 'created', 'another facility of the key');
      assert.equal(await store.create(newSubscription(fac), 3), 'created', 'another key at the facility');
    });

    test('concurrent creates never store more than max, and what they stored is what the count holds', async () => {
      const store = await make();
      const fac = facility();
      const keyId = uid('key');
      const max = 3;
      const subs = Array.from({ length: 8 }, () => newSubscription(fac, { keyId }));
      const answers = await Promise.all(subs.map((s) => store.create(s, max)));
      const created = answers.filter((a) => a === 'created').length;
      assert.ok(created >= 1 && created <= max, `created ${created} of at most ${max}`);
      assert.equal((await store.list(fac)).length, created, 'every created one is stored, no refused one is');
      // The count holds exactly what was stored: the rest fills up to max, not beyond.
      for (let i = created; i < max; i++) assert.equal(await store.create(newSubscription(fac, { keyId }), max), 'created');
      assert.equal(await store.create(newSubscription(fac, { keyId }), max), 'limit-reached');
      assert.equal((await store.list(fac)).length, max);
    });

    test('ofKey answers where every subscription of a key is, across facilities', async () => {
      const store = await make();
      const [fac, other] = [facility(), facility()];
      const keyId = uid('key');
      const subs = [newSubscription(fac, { keyId }), newSubscription(fac, { keyId }), newSubscription(other, { keyId })];
      for (const s of subs) await store.create(s, 10);
      await store.create(newSubscription(fac), 10);
      assert.deepEqual(
        sorted(await store.ofKey(keyId)),
        sorted(subs.map(({ facilityId, subscriptionId }) => ({ facilityId, subscriptionId }))),
      );
      assert.deepEqual(await store.ofKey(uid('key')), []);
    });

    test('remove takes the subscription out of get, list and ofKey, and counts it off its key', async () => {
      const store = await make();
      const fac = facility();
      const keyId = uid('key');
      const [a, b] = [newSubscription(fac, { keyId }), newSubscription(fac, { keyId })];
      await store.create(a, 2);
      await store.create(b, 2);
      assert.equal(await store.create(newSubscription(fac, { keyId }), 2), 'limit-reached');
      await store.remove(a);
      assert.equal(await store.get(fac, a.subscriptionId), null);
      assert.deepEqual(
        (await store.list(fac)).map((s) => s.subscriptionId),
        [b.subscriptionId],
      );
      assert.deepEqual(await store.ofKey(keyId), [{ facilityId: fac, subscriptionId: b.subscriptionId }]);
      assert.equal(await store.create(newSubscription(fac, { keyId }), 2), 'created', 'room for one again');
      assert.equal(await store.create(newSubscription(fac, { keyId }), 2), 'limit-reached', 'and only one');
    });

    test('concurrent creates below max are all created', async () => {
      const store = await make();
      const fac = facility();
      const keyId = uid('key');
      const subs = Array.from({ length: 4 }, () => newSubscription(fac, { keyId }));
      assert.deepEqual(await Promise.all(subs.map((s) => store.create(s, 10))), ['created', 'created', 'created', 'created']);
      assert.equal((await store.list(fac)).length, 4);
    });

    test('removing a subscription twice (two deletes racing) counts it off its key once', async () => {
      const store = await make();
      const fac = facility();
      const keyId = uid('key');
      const [a, b] = [newSubscription(fac, { keyId }), newSubscription(fac, { keyId })];
      await store.create(a, 2);
      await store.create(b, 2);
      await Promise.all([store.remove(a), store.remove(a)]);
      await store.remove(a);
      assert.equal(await store.create(newSubscription(fac, { keyId }), 2), 'created');
      assert.equal(await store.create(newSubscription(fac, { keyId }), 2), 'limit-reached', 'the key still has at most max');
      assert.equal((await store.list(fac)).length, 2);
    });

    test('update applies the changes at the version read and answers the subscription as written', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac, { previousSecret: 'old', previousUntil: 5 });
      await store.create(sub, 10);
      const written = await store.update(sub, { description: 'renamed', status: 'disabled', previousSecret: null, previousUntil: null });
      assert.ok(written);
      const expected: Subscription = {
        ...sub,
        description: 'renamed',
        status: 'disabled',
        previousSecret: null,
        previousUntil: null,
        version: sub.version + 1,
      };
      assert.deepEqual(written, expected);
      assert.deepEqual(await store.get(fac, sub.subscriptionId), expected, 'stored as answered; null clears a field');
    });

    test('update answers null and writes nothing when the subscription changed since it was read', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      const first = await store.update(sub, { description: 'first' });
      assert.ok(first);
      assert.equal(await store.update(sub, { description: 'stale', url: 'https://hooks.example/stale' }), null);
      assert.deepEqual(await store.get(fac, sub.subscriptionId), first, 'the stale update wrote nothing');
      assert.equal(await store.update(newSubscription(fac), { description: 'none' }), null, 'nor on one that does not exist');
    });

    test('update of a removed subscription answers null and does not bring it back', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      await store.remove(sub);
      assert.equal(await store.update(sub, { description: 'ghost' }), null);
      assert.equal(await store.get(fac, sub.subscriptionId), null);
    });

    test('modify decides on the subscription as stored now and answers it as written', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      const moved = await store.update(sub, { description: 'moved' });
      const seen: (Subscription | null)[] = [];
      const written = await store.modify(fac, sub.subscriptionId, async (s) => {
        seen.push(s);
        return { changes: { position: '42' } };
      });
      assert.deepEqual(seen, [moved]);
      const expected = { ...moved!, position: '42', version: moved!.version + 1 };
      assert.deepEqual(written, expected);
      assert.deepEqual(await store.get(fac, sub.subscriptionId), expected);
    });

    test('modify answers the subscription as read when decide answers null, and null (deciding on null) when there is none', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      assert.deepEqual(await store.modify(fac, sub.subscriptionId, async () => null), sub);
      assert.deepEqual(await store.get(fac, sub.subscriptionId), sub, 'nothing written');
      const seen: (Subscription | null)[] = [];
      const none = await store.modify(fac, uid('sub'), async (s) => {
        seen.push(s);
        return { changes: { description: 'x' } };
      });
      assert.equal(none, null);
      assert.deepEqual(seen, [null]);
    });

    test('modify reads and decides again when another writer got there first, and keeps the other write', async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      const seen: Subscription[] = [];
      const written = await store.modify(fac, sub.subscriptionId, async (s) => {
        seen.push(s!);
        // The first round loses: another writer changes the subscription between our read and our write.
        if (seen.length === 1) assert.ok(await store.update(s!, { description: 'racer' }));
        return { changes: { position: `${seen.length}` } };
      });
      assert.equal(seen.length, 2);
      assert.equal(seen[1]!.description, 'racer', 'the second round decided on the racer’s write');
      const expected = { ...sub, description: 'racer', position: '2', version: sub.version + 2 };
      assert.deepEqual(written, expected);
      assert.deepEqual(await store.get(fac, sub.subscriptionId), expected);
    });

    test("modify ends in StorageError 'kept-changing' only when it keeps losing, having written nothing of its own", async () => {
      const store = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await store.create(sub, 10);
      let rounds = 0;
      const failed = await failure(
        store.modify(fac, sub.subscriptionId, async (s) => {
          rounds++;
          assert.ok(await store.update(s!, { description: `racer ${rounds}` }));
          return { changes: { position: 'mine' } };
        }),
      );
      assert.equal(failed, 'kept-changing');
      assert.ok(rounds > 1, 'it tried again before giving up');
      const stored = await store.get(fac, sub.subscriptionId);
      assert.equal(stored?.position, sub.position, 'none of its rounds was written');
      assert.equal(stored?.description, `racer ${rounds}`, 'every racer was');
    });
  });
}

/** The subscription store and the delivery log it writes into, over the same storage. */
export interface DeliveryPorts {
  subscriptions: SubscriptionStore;
  deliveries: DeliveryLog;
}

export function deliveryLogContract(name: string, { make, facility }: ContractSetup<DeliveryPorts>): void {
  describe(`DeliveryLog contract (written by the SubscriptionStore): ${name}`, () => {
    /** A stored subscription with the given deliveries started and saved one after another. */
    async function withLog(ports: DeliveryPorts, deliveries: Delivery[]): Promise<Subscription> {
      let sub = newSubscription(facility());
      await ports.subscriptions.create(sub, 10);
      for (const d of deliveries) {
        const started = await ports.subscriptions.update(sub, {}, { start: { ...d, subscriptionId: sub.subscriptionId } });
        assert.ok(started);
        sub = started;
      }
      return sub;
    }

    test("a started delivery becomes the subscription's delivery in flight, in the same write", async () => {
      const ports = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await ports.subscriptions.create(sub, 10);
      assert.equal(await ports.deliveries.inFlight(sub), null, 'none before');
      const d = newDelivery(sub.subscriptionId, 1);
      const written = await ports.subscriptions.update(sub, { lastDeliveryAt: d.createdAt }, { start: d });
      assert.ok(written);
      assert.ok(written.current, 'the subscription names it');
      assert.equal(written.lastDeliveryAt, d.createdAt);
      assert.deepEqual(await ports.subscriptions.get(fac, sub.subscriptionId), written);
      assert.deepEqual(await ports.deliveries.inFlight(written), d);
    });

    test('a delivery written already done (its first attempt went out before it was written) is logged, not in flight', async () => {
      const ports = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await ports.subscriptions.create(sub, 10);
      const d = newDelivery(sub.subscriptionId, 1, { status: 'delivered', nextAttemptAt: null });
      const written = await ports.subscriptions.update(sub, { current: null, position: d.nextPosition }, { start: d });
      assert.ok(written);
      assert.equal(written.current, null);
      assert.equal(written.position, d.nextPosition);
      assert.deepEqual(await ports.subscriptions.get(fac, sub.subscriptionId), written);
      assert.equal(await ports.deliveries.inFlight(written), null);
      assert.deepEqual((await ports.deliveries.page(sub.subscriptionId, { limit: 10 })).deliveries, [d]);
    });

    test('a delivery starts only once: a second start answers null and writes nothing', async () => {
      const ports = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await ports.subscriptions.create(sub, 10);
      const d = newDelivery(sub.subscriptionId, 1);
      const written = await ports.subscriptions.update(sub, {}, { start: d });
      assert.ok(written);
      const again = await ports.subscriptions.update(written, { description: 'again' }, { start: { ...d, documents: 99 } });
      assert.equal(again, null);
      assert.deepEqual(await ports.subscriptions.get(fac, sub.subscriptionId), written, 'the subscription is as before');
      assert.deepEqual(await ports.deliveries.inFlight(written), d, 'the delivery is as first written');
    });

    test('a stale update with a delivery writes neither the subscription nor the delivery', async () => {
      const ports = await make();
      const fac = facility();
      const sub = newSubscription(fac);
      await ports.subscriptions.create(sub, 10);
      const moved = await ports.subscriptions.update(sub, { description: 'moved' });
      assert.ok(moved);
      const d = newDelivery(sub.subscriptionId, 1);
      assert.equal(await ports.subscriptions.update(sub, {}, { start: d }), null);
      assert.deepEqual(await ports.subscriptions.get(fac, sub.subscriptionId), moved);
      assert.deepEqual((await ports.deliveries.page(sub.subscriptionId, { limit: 10 })).deliveries, [], 'no delivery written');
    });

    test("a save rewrites the delivery's state with the subscription's change (through modify too)", async () => {
      const ports = await make();
      const d = newDelivery('', 1);
      const sub = await withLog(ports, [d]);
      const delivered: Delivery = {
        ...d,
        subscriptionId: sub.subscriptionId,
        status: 'delivered',
        attempts: [{ at: '2026-01-01T00:00:02.000Z', webhookId: d.webhookId, status: 204, error: null, ms: 12, response: null }],
      };
      const written = await ports.subscriptions.modify(sub.facilityId, sub.subscriptionId, async () => ({
        changes: { current: null, position: d.nextPosition },
        delivery: { save: delivered },
      }));
      assert.equal(written?.current, null);
      assert.equal(await ports.deliveries.inFlight(written!), null, 'none in flight once current is cleared');
      assert.deepEqual((await ports.deliveries.page(sub.subscriptionId, { limit: 10 })).deliveries, [delivered]);
    });

    test('page lists newest first, limit at a time, says whether more wait, and goes on after the delivery named', async () => {
      const ports = await make();
      const ds = [3, 1, 5, 2, 4].map((s) => newDelivery('', s));
      const sub = await withLog(ports, ds);
      const id = sub.subscriptionId;
      const newestFirst = [...ds].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).map((d) => ({ ...d, subscriptionId: id }));
      const first = await ports.deliveries.page(id, { limit: 2 });
      assert.deepEqual(first, { deliveries: newestFirst.slice(0, 2), more: true });
      const second = await ports.deliveries.page(id, { limit: 2, after: first.deliveries[1]! });
      assert.deepEqual(second, { deliveries: newestFirst.slice(2, 4), more: true });
      const last = await ports.deliveries.page(id, { limit: 2, after: second.deliveries[1]! });
      assert.deepEqual(last, { deliveries: newestFirst.slice(4), more: false });
      assert.deepEqual(await ports.deliveries.page(id, { limit: 5 }), { deliveries: newestFirst, more: false }, 'exactly limit: no more');
      assert.deepEqual(await ports.deliveries.page(uid('sub'), { limit: 5 }), { deliveries: [], more: false });
    });

    test('page and count of one status', async () => {
      const ports = await make();
      const statuses = ['delivered', 'failed', 'delivered', 'pending', 'delivered'] as const;
      const ds = statuses.map((status, i) => newDelivery('', i + 1, { status }));
      const sub = await withLog(ports, ds);
      const id = sub.subscriptionId;
      const delivered = ds
        .filter((d) => d.status === 'delivered')
        .reverse()
        .map((d) => ({ ...d, subscriptionId: id }));
      const first = await ports.deliveries.page(id, { status: 'delivered', limit: 2 });
      assert.deepEqual(first, { deliveries: delivered.slice(0, 2), more: true });
      assert.deepEqual(await ports.deliveries.page(id, { status: 'delivered', limit: 2, after: first.deliveries[1]! }), {
        deliveries: delivered.slice(2),
        more: false,
      });
      // `after` may name a delivery of another status: the page goes on from where it stands in the log.
      assert.deepEqual((await ports.deliveries.page(id, { status: 'delivered', limit: 10, after: ds[3]! })).deliveries, delivered.slice(1));
      assert.equal(await ports.deliveries.count(id, 'delivered'), 3);
      assert.equal(await ports.deliveries.count(id, 'failed'), 1);
      assert.equal(await ports.deliveries.count(id, 'pending'), 1);
      assert.equal(await ports.deliveries.count(uid('sub'), 'delivered'), 0);
    });
  });
}

/** A marker as the code before issue 30 left it in the outbox's one partition (leased or not). */
export type LegacyMarker = DueMarker & { leaseUntil?: number };

/** How a suite reaches an outbox's legacy partition: plant a marker there, and see whether one is still there. */
export interface LegacyPartition<O extends Outbox> {
  plant(outbox: O, marker: LegacyMarker): Promise<void>;
  holds(outbox: O, facilityId: string, subscriptionId: string): Promise<boolean>;
}

export function outboxContract<O extends Outbox>(
  name: string,
  { make, facility, legacy }: ContractSetup<O> & { legacy: LegacyPartition<O> },
): void {
  describe(`Outbox contract: ${name}`, () => {
    /** A clock a day ahead, so that no running sender takes these markers. */
    const T = Date.now() + 86_400_000;
    const LEASE = 60_000;

    async function markerOf(outbox: Outbox, fac: string, subscriptionId: string, now = T): Promise<DueMarker | undefined> {
      return (await outbox.unclaimed(now)).find((m) => m.facilityId === fac && m.subscriptionId === subscriptionId);
    }
    async function marked(outbox: Outbox, dueAt = T, changeAt?: number) {
      const fac = facility();
      const sub = uid('sub');
      await outbox.markDue(fac, sub, dueAt, changeAt);
      const m = await markerOf(outbox, fac, sub);
      assert.ok(m, 'the marker is unclaimed');
      return { fac, sub, m };
    }

    test('markDue by a replay sets the due time; by a change it keeps an earlier one and records when the change was seen', async () => {
      const outbox = await make();
      const fac = facility();
      const sub = uid('sub');
      await outbox.markDue(fac, sub, T + 1000, T - 500);
      const first = await markerOf(outbox, fac, sub);
      assert.deepEqual(first, { facilityId: fac, subscriptionId: sub, dueAt: T + 1000, ver: first?.ver, lastChange: T - 500 });
      await outbox.markDue(fac, sub, T + 5000, T - 100);
      const afterChange = await markerOf(outbox, fac, sub);
      assert.equal(afterChange?.dueAt, T + 1000, 'a change keeps the due time already set');
      assert.equal(afterChange?.lastChange, T - 100, 'and records when it was seen');
      await outbox.markDue(fac, sub, T + 9000);
      const afterReplay = await markerOf(outbox, fac, sub);
      assert.equal(afterReplay?.dueAt, T + 9000, 'a replay sets the time');
      assert.equal(afterReplay?.lastChange, T - 100, 'and leaves when the last change was seen');
      assert.ok(afterReplay!.ver > afterChange!.ver && afterChange!.ver > first!.ver, 'every mark bumps the version');

      const fresh = uid('sub');
      await outbox.markDue(fac, fresh, T + 3000);
      assert.equal((await markerOf(outbox, fac, fresh))?.lastChange, null, 'marked by no change: lastChange null');
      await outbox.drop(fac, sub);
      await outbox.drop(fac, fresh);
    });

    test('unclaimed lists markers due or not, but none under a live lease', async () => {
      const outbox = await make();
      const later = await marked(outbox, T + 3_600_000);
      const held = await marked(outbox);
      assert.ok(await outbox.claim(held.m, T, LEASE));
      assert.ok(await markerOf(outbox, later.fac, later.sub), 'not yet due: listed');
      assert.equal(await markerOf(outbox, held.fac, held.sub, T + 1), undefined, 'leased: not listed');
      assert.ok(await markerOf(outbox, held.fac, held.sub, T + LEASE + 1), 'listed once the lease ran out');
      await outbox.drop(later.fac, later.sub);
      await outbox.drop(held.fac, held.sub);
    });

    test('two claims of one marker read: exactly one wins', async () => {
      const outbox = await make();
      const { fac, sub, m } = await marked(outbox);
      const wins = await Promise.all([outbox.claim(m, T, LEASE), outbox.claim(m, T, LEASE)]);
      assert.deepEqual(wins.filter(Boolean).length, 1, `answers ${wins.join(', ')}`);
      await outbox.drop(fac, sub);
    });

    test('a claim is refused inside a live lease and allowed once it expired', async () => {
      const outbox = await make();
      const { fac, sub, m } = await marked(outbox);
      assert.ok(await outbox.claim(m, T, LEASE));
      assert.equal(await outbox.claim(m, T + 1, LEASE), false, 'the same reading, inside the lease');
      assert.equal(await outbox.claim(m, T + LEASE - 1, LEASE), false, 'just before it ends');
      const reread = await markerOf(outbox, fac, sub, T + LEASE + 1);
      assert.ok(reread);
      assert.ok(await outbox.claim(reread, T + LEASE + 1, LEASE), 'after it expired');
      await outbox.drop(fac, sub);
    });

    test('a claim on a reading older than the last mark is refused', async () => {
      const outbox = await make();
      const { fac, sub, m } = await marked(outbox);
      await outbox.markDue(fac, sub, T, T);
      assert.equal(await outbox.claim(m, T, LEASE), false);
      assert.ok(await outbox.claim((await markerOf(outbox, fac, sub))!, T, LEASE), 'the fresh reading claims it');
      assert.equal(await outbox.claim({ ...m, subscriptionId: uid('sub') }, T, LEASE), false, 'no marker: nothing to claim');
      await outbox.drop(fac, sub);
    });

    test("release 'done' removes the marker; release with a later dueAt keeps it, unleased, due then", async () => {
      const outbox = await make();
      const done = await marked(outbox);
      assert.ok(await outbox.claim(done.m, T, LEASE));
      await outbox.release(done.m, 'done');
      assert.equal(await markerOf(outbox, done.fac, done.sub, T + LEASE + 1), undefined, 'gone');

      const later = await marked(outbox);
      assert.ok(await outbox.claim(later.m, T, LEASE));
      await outbox.release(later.m, { dueAt: T + 7000 });
      const after = await markerOf(outbox, later.fac, later.sub, T + 1);
      assert.ok(after, 'listed at once: the lease is gone');
      assert.equal(after.dueAt, T + 7000);
      assert.ok(await outbox.claim(after, T + 2, LEASE), 'and can be claimed again');
      await outbox.drop(later.fac, later.sub);
    });

    test('release of a marker marked again meanwhile only loses the lease: it stays, due as marked', async () => {
      const outbox = await make();
      const done = await marked(outbox);
      assert.ok(await outbox.claim(done.m, T, LEASE));
      await outbox.markDue(done.fac, done.sub, T + 9000, T + 10);
      await outbox.release(done.m, 'done');
      const kept = await markerOf(outbox, done.fac, done.sub, T + 1);
      assert.ok(kept, 'kept, unleased');
      assert.equal(kept.dueAt, T, 'due as marked (a change keeps the earlier time)');
      assert.equal(kept.lastChange, T + 10);

      const later = await marked(outbox);
      assert.ok(await outbox.claim(later.m, T, LEASE));
      await outbox.markDue(later.fac, later.sub, T + 500);
      await outbox.release(later.m, { dueAt: T + 7000 });
      const moved = await markerOf(outbox, later.fac, later.sub, T + 1);
      assert.equal(moved?.dueAt, T + 500, 'due as the replay marked it, not as released');
      assert.ok(await outbox.claim(moved!, T + 1, LEASE));
      await outbox.drop(done.fac, done.sub);
      await outbox.drop(later.fac, later.sub);
    });

    test('drop removes the marker, leased or not; release after a drop does not bring it back', async () => {
      const outbox = await make();
      const free = await marked(outbox);
      await outbox.drop(free.fac, free.sub);
      assert.equal(await markerOf(outbox, free.fac, free.sub), undefined);
      const held = await marked(outbox);
      assert.ok(await outbox.claim(held.m, T, LEASE));
      await outbox.drop(held.fac, held.sub);
      await outbox.release(held.m, { dueAt: T + 1000 });
      assert.equal(await markerOf(outbox, held.fac, held.sub, T + LEASE + 1), undefined);
      await outbox.drop(facility(), uid('sub'));

      const left = { facilityId: facility(), subscriptionId: uid('sub'), dueAt: T, ver: 1, lastChange: null, leaseUntil: T + LEASE };
      await legacy.plant(outbox, left);
      await outbox.drop(left.facilityId, left.subscriptionId);
      assert.equal(await legacy.holds(outbox, left.facilityId, left.subscriptionId), false, 'a legacy marker goes too');
    });

    test('a marker left in the legacy partition (before the outbox was sharded) is listed, moved to its shard, claimable', async () => {
      const outbox = await make();
      const fac = facility();
      const sub = uid('sub');
      await legacy.plant(outbox, { facilityId: fac, subscriptionId: sub, dueAt: T, ver: 3, lastChange: T - 500 });
      const m = await markerOf(outbox, fac, sub);
      assert.ok(m, 'listed');
      assert.deepEqual({ ...m, ver: 0 }, { facilityId: fac, subscriptionId: sub, dueAt: T, ver: 0, lastChange: T - 500 });
      assert.equal(await legacy.holds(outbox, fac, sub), false, 'moved out of the legacy partition');
      assert.ok(await outbox.claim(m, T, LEASE), 'claimed as any marker');
      assert.equal(await markerOf(outbox, fac, sub, T + 1), undefined, 'once, and only in its shard');
      await outbox.release(m, 'done');
      assert.equal(await markerOf(outbox, fac, sub, T + LEASE + 1), undefined, 'released done: gone');
    });

    test('a legacy marker meets its subscription marked in its shard: one marker, the earlier due time, the later change', async () => {
      const outbox = await make();
      const fac = facility();
      const sub = uid('sub');
      await outbox.markDue(fac, sub, T + 5000, T - 100);
      const before = (await markerOf(outbox, fac, sub))!;
      await legacy.plant(outbox, { facilityId: fac, subscriptionId: sub, dueAt: T, ver: 7, lastChange: T - 900 });
      const merged = (await outbox.unclaimed(T)).filter((x) => x.facilityId === fac && x.subscriptionId === sub);
      assert.equal(merged.length, 1, 'one marker per subscription');
      assert.equal(merged[0]!.dueAt, T, 'the earlier due time');
      assert.equal(merged[0]!.lastChange, T - 100, 'the later change');
      assert.equal(await outbox.claim(before, T, LEASE), false, 'a reading from before the move no longer claims it');
      assert.ok(await outbox.claim(merged[0]!, T, LEASE));
      await outbox.drop(fac, sub);
    });

    test('a legacy marker under a live lease (a sender of the earlier code) stays until the lease runs out', async () => {
      const outbox = await make();
      const fac = facility();
      const sub = uid('sub');
      await legacy.plant(outbox, { facilityId: fac, subscriptionId: sub, dueAt: T, ver: 1, lastChange: null, leaseUntil: T + LEASE });
      assert.equal(await markerOf(outbox, fac, sub, T + 1), undefined, 'not listed while leased');
      assert.ok(await legacy.holds(outbox, fac, sub), 'nor moved');
      assert.ok(await markerOf(outbox, fac, sub, T + LEASE + 1), 'listed once the lease ran out');
      assert.equal(await legacy.holds(outbox, fac, sub), false, 'and moved');
      await outbox.drop(fac, sub);
    });
  });
}

export function secretBoxContract(name: string, { make }: Pick<ContractSetup<SecretBox>, 'make'>): void {
  describe(`SecretBox contract: ${name}`, () => {
    test('a sealed secret opens for its subscription', async () => {
      const box = await make();
      const [sub, secret] = [uid('sub'), `whsec_${randomUUID()}`];
      const sealed = await box.seal(secret, sub);
      assert.equal(typeof sealed, 'string');
      assert.equal(await box.open(sealed, sub), secret);
      assert.equal(await box.open(sealed, sub), secret, 'and again');
    });

    test('a sealed secret does not open for another subscription', async () => {
      const box = await make();
      const sealed = await box.seal(`whsec_${randomUUID()}`, uid('sub'));
      await assert.rejects(box.open(sealed, uid('sub')));
    });
  });
}

/**
 * The consumption store (functions/use-cases/get-consumption.ts) and a way to store a record's
 * latest revision: revision 1 creates the record, a later one supersedes its head (a correction
 * or, with `voided`, a void).
 */
export interface ConsumptionPorts {
  store: ConsumptionStore;
  write(facilityId: string, head: EdgeRecord, revision: number): Promise<void>;
}

/** The records a report's edges read: dated by their latest revision, [from, to) to the millisecond. */
export function consumptionStoreContract(name: string, { make, facility }: ContractSetup<ConsumptionPorts>): void {
  describe(`ConsumptionStore contract (records dated, the edges of a report): ${name}`, () => {
    const dated = (number: string, at: string): EdgeRecord => {
      const doc = workRecord(number, { actual: [1, 2] }) as WorkRecordDocument & { dispensingEndDateTime?: string };
      doc.dispensingEndDateTime = at;
      return { agency: 'AssignedBySender', number, doc, voided: false };
    };
    const ms = (iso: string) => Date.parse(iso);
    const numbers = async (store: ConsumptionStore, f: string, from: string, to: string) =>
      (await store.readRecordsDated(f, ms(from), ms(to))).map((r) => r.number).sort();

    test('[from, to) to the millisecond, each record once with its document, only the facility’s', async () => {
      const { store, write } = await make();
      const f = facility();
      const other = facility();
      await write(f, dated('R-1', '2026-02-03T08:07:00.000Z'), 1);
      await write(f, dated('R-2', '2026-02-03T08:07:00.001Z'), 1);
      await write(f, dated('R-3', '2026-02-03T08:14:59.999Z'), 1);
      await write(other, dated('R-9', '2026-02-03T08:10:00Z'), 1);
      assert.deepEqual(await numbers(store, f, '2026-02-03T08:07:00.000Z', '2026-02-03T08:15:00Z'), ['R-1', 'R-2', 'R-3']);
      assert.deepEqual(await numbers(store, f, '2026-02-03T08:07:00.001Z', '2026-02-03T08:14:59.999Z'), ['R-2']);
      assert.deepEqual(await numbers(store, f, '2026-02-03T08:00:00Z', '2026-02-03T08:07:00.000Z'), []);
      const [one] = await store.readRecordsDated(f, ms('2026-02-03T08:07:00.000Z'), ms('2026-02-03T08:07:00.001Z'));
      assert.deepEqual(one, dated('R-1', '2026-02-03T08:07:00.000Z'));
    });

    test('a correction that moves the record’s time moves it; a void is read, marked voided', async () => {
      const { store, write } = await make();
      const f = facility();
      await write(f, dated('M-1', '2026-02-03T08:10:00Z'), 1);
      await write(f, dated('V-1', '2026-02-03T08:11:00Z'), 1);
      await write(f, dated('M-1', '2026-02-03T17:20:00Z'), 2);
      await write(f, { ...dated('V-1', '2026-02-03T08:11:00Z'), voided: true }, 2);
      assert.deepEqual(await numbers(store, f, '2026-02-03T17:15:00Z', '2026-02-03T17:23:00Z'), ['M-1']);
      const early = await store.readRecordsDated(f, ms('2026-02-03T08:07:00Z'), ms('2026-02-03T08:15:00Z'));
      assert.deepEqual(
        early.map((r) => [r.number, r.voided]),
        [['V-1', true]],
      );
    });
  });
}
