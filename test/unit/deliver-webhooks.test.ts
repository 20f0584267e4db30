/**
 * Push delivery on in-memory ports: the dispatcher marks, the sender claims and delivers. The
 * races and storage failures that matter: two senders on one marker, a lease that ran out, a
 * subscription changed under the sender, throttled storage, retries to the end of the schedule,
 * and a change that must not be delivered twice.
 */
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, test, vi } from 'vitest';
import { StorageError } from '../../functions/domain/errors.ts';
import type { SubscriptionChanges } from '../../functions/domain/webhooks.ts';
import type { Caller } from '../../functions/shared/caller.ts';
import { config, WEBHOOK_SETTINGS } from '../../functions/shared/config.ts';
import { dispatchChange, dispatchChanges, sendDue } from '../../functions/use-cases/deliver-webhooks.ts';
import { deliveryLog, rotateSecret, subscribe } from '../../functions/use-cases/manage-subscriptions.ts';
import { memoryWebhookPorts, type Posted } from './helpers/memory-webhooks.ts';

const FAC = 'plant-1';
const pcs: Caller = { keyId: 'pcs-1', role: 'pcs', facilities: [FAC], format: 'canonical', timeZone: null };
const MOVED = { facilityId: FAC, stream: 'COMPONENTS' };

afterEach(() => {
  vi.useRealTimers();
});

/** A subscription to components made ten minutes ago, and a component changed since (settled long ago; stored as the store reads it: its state with the document sent). */
async function setUp() {
  const ports = memoryWebhookPorts();
  const t0 = Date.now() - 600_000;
  const { subscriptionId, secret } = await subscribe(ports, pcs, FAC, { url: 'https://hooks.example/c', events: 'components' }, t0);
  ports.outbox.markers.clear(); // the look after creation: nothing was written then
  const change = (id: string, atMs: number, rev = 1) => ports.changes.put(FAC, 'COMPONENTS', id, atMs, { doc: { componentId: id, rev } });
  change('C-1', t0 + 60_000);
  await dispatchChange(ports, MOVED, undefined, t0 + 60_000);
  const sub = () => ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!;
  const deliveries = () => ports.deliveries.all(subscriptionId);
  return { ports, t0, subscriptionId, secret, change, sub, deliveries };
}

const bodyOf = (p: Posted) => JSON.parse(p.body) as { components: { componentId: string; rev: number }[] };
const idsOf = (p: Posted) => bodyOf(p).components.map((c) => `${c.componentId}@${c.rev}`);
const idOf = (p: Posted) => p.headers['webhook-id']!;

/** Another writer changes the subscription while the first attempt is out (its answer comes after): a race the sender's write loses. */
function changedWhileFirstAttemptOut(
  ports: ReturnType<typeof memoryWebhookPorts>,
  subscriptionId: string,
  changes: SubscriptionChanges,
): void {
  ports.endpoints.answer = () => {
    if (ports.endpoints.posted.length === 1) ports.subscriptions.bump({ facilityId: FAC, subscriptionId }, changes);
    return { status: 200 };
  };
}

/**
 * What a receiver logging every request would see, checked: no webhook-id with two bodies, and
 * for each component never an older revision after a newer one (failed attempts included: a
 * receiver may have read a body it answered 500 to). Answers the last revision seen of each.
 */
function receiverSaw(posted: readonly Posted[]): Map<string, number> {
  const bodies = new Map<string, string>();
  const latest = new Map<string, number>();
  for (const p of posted) {
    assert.equal(bodies.get(idOf(p)) ?? p.body, p.body, `${idOf(p)} named two bodies`);
    bodies.set(idOf(p), p.body);
    for (const c of bodyOf(p).components) {
      assert.ok(c.rev >= (latest.get(c.componentId) ?? 0), `${c.componentId}@${c.rev} arrived after @${latest.get(c.componentId)}`);
      latest.set(c.componentId, c.rev);
    }
  }
  return latest;
}

/** A tiny seeded generator (mulberry32): the same run every time. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('dispatch', () => {
  test('a change in a stream marks the active subscriptions of its kinds; one elsewhere, or not moved, marks none', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const a = await subscribe(ports, pcs, FAC, { url: 'https://hooks.example/a', events: 'components' }, now);
    await subscribe(ports, pcs, FAC, { url: 'https://hooks.example/b', events: 'recipes' }, now);
    const off = await subscribe(ports, pcs, FAC, { url: 'https://hooks.example/c', events: 'components' }, now);
    ports.subscriptions.bump({ facilityId: FAC, subscriptionId: off.subscriptionId }, { status: 'disabled' });
    ports.outbox.markers.clear();
    assert.equal(await dispatchChange(ports, null), 0);
    assert.equal(await dispatchChange(ports, { facilityId: FAC, stream: 'NOT_A_STREAM' }), 0);
    assert.equal(await dispatchChange(ports, { facilityId: 'plant-2', stream: 'COMPONENTS' }), 0);
    assert.equal(await dispatchChange(ports, MOVED, undefined, now), 1);
    assert.deepEqual(
      [...ports.outbox.markers.values()].map((m) => m.subscriptionId),
      [a.subscriptionId],
    );
  });

  test('a batch of changes at many facilities marks each concerned subscription; a change that cannot be read fails the batch, the others are still marked', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    const facilities = ['plant-1', 'plant-2', 'plant-3'];
    const ids = [];
    for (const f of facilities) {
      const caller = { ...pcs, facilities: [f] };
      ids.push((await subscribe(ports, caller, f, { url: `https://hooks.example/${f}`, events: 'components' }, now)).subscriptionId);
    }
    ports.outbox.markers.clear();
    const changes = [...facilities, 'plant-1', 'plant-9'].map((facilityId) => ({ facilityId, stream: 'COMPONENTS' }));
    assert.equal(await dispatchChanges(ports, changes, (c) => c, undefined, now), 4, 'plant-1 twice: each change counts its subscriptions');
    assert.deepEqual([...ports.outbox.markers.values()].map((m) => m.subscriptionId).sort(), [...ids].sort());

    ports.outbox.markers.clear();
    const unreadable = [{ facilityId: 'plant-1', stream: 'COMPONENTS' }, null, { facilityId: 'plant-3', stream: 'COMPONENTS' }];
    await assert.rejects(
      dispatchChanges(
        ports,
        unreadable,
        (c) => {
          if (c === null) throw new Error('unreadable');
          return c;
        },
        undefined,
        now,
      ),
      /unreadable/,
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([...ports.outbox.markers.values()].map((m) => m.subscriptionId).sort(), [ids[0], ids[2]].sort());
  });

  test('a steady stream of changes does not push the due time ever later', async () => {
    const ports = memoryWebhookPorts();
    const now = Date.now();
    await subscribe(ports, pcs, FAC, { url: 'https://hooks.example/a', events: 'components' }, now);
    ports.outbox.markers.clear();
    await dispatchChange(ports, MOVED, undefined, now);
    const first = [...ports.outbox.markers.values()][0]!.dueAt;
    await dispatchChange(ports, MOVED, undefined, now + 10_000);
    const marker = [...ports.outbox.markers.values()][0]!;
    assert.equal(marker.dueAt, first);
    assert.equal(marker.lastChange, now + 10_000);
  });
});

describe('send', () => {
  test('delivers the change signed with the subscription secret, once: neither a second pass nor a repeated change record sends it again', async () => {
    const { ports, secret, deliveries, sub, t0 } = await setUp();
    const report = await sendDue(ports);
    assert.equal(report.claimed, 1);
    assert.equal(ports.endpoints.posted.length, 1);
    const [posted] = ports.endpoints.posted;
    assert.deepEqual(idsOf(posted!), ['C-1@1']);
    assert.doesNotThrow(() => new Webhook(secret).verify(posted!.body, posted!.headers));
    assert.deepEqual(
      deliveries().map((d) => [d.status, d.webhookId]),
      [['delivered', posted!.headers['webhook-id']]],
    );
    assert.equal(sub().current, null);
    assert.equal(ports.outbox.markers.size, 0, 'nothing left to do');

    await sendDue(ports);
    // The table stream delivers a record at least once: the same change dispatched again.
    await dispatchChange(ports, MOVED, undefined, t0 + 60_000);
    await sendDue(ports);
    assert.equal(ports.endpoints.posted.length, 1, 'delivered once');
  });

  test('a marker queued in the outbox before it was sharded (the legacy partition) is still delivered, once, with two senders', async () => {
    const { ports, secret, deliveries, subscriptionId } = await setUp();
    // As the earlier code left it: the change's marker in the one partition, none in the shards.
    const [marker] = [...ports.outbox.markers.values()];
    ports.outbox.markers.clear();
    ports.outbox.plantLegacy({ ...marker!, ver: 4 });
    const [a, b] = await Promise.all([sendDue(ports), sendDue(ports)]);
    assert.equal(a.claimed + b.claimed, 1);
    assert.equal(ports.endpoints.posted.length, 1);
    assert.deepEqual(idsOf(ports.endpoints.posted[0]!), ['C-1@1']);
    assert.doesNotThrow(() => new Webhook(secret).verify(ports.endpoints.posted[0]!.body, ports.endpoints.posted[0]!.headers));
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered'],
    );
    assert.equal(ports.outbox.legacy.size + ports.outbox.markers.size, 0, `nothing left of ${subscriptionId}`);
  });

  test('a change marked while a delivery is being sent is not lost: the marker stays and a later pass delivers it', async () => {
    const { ports, change, deliveries } = await setUp();
    vi.useFakeTimers({ toFake: ['Date'] });
    ports.endpoints.answer = () => {
      if (ports.endpoints.posted.length === 1) {
        change('C-2', Date.now());
        void dispatchChange(ports, MOVED, undefined, Date.now());
      }
      return { status: 204 };
    };
    await sendDue(ports, Date.now());
    assert.equal(ports.outbox.markers.size, 1, 'still due');
    vi.setSystemTime(Date.now() + config().pollSettleMs + 1000);
    await sendDue(ports, Date.now());
    assert.deepEqual(ports.endpoints.posted.map(idsOf), [['C-1@1'], ['C-2@1']]);
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered', 'delivered'],
    );
    assert.equal(ports.outbox.markers.size, 0);
  });

  test('a pass reports when the next marker not yet due comes due', async () => {
    const { ports } = await setUp();
    const now = Date.now();
    const dueAt = (await sendDue(ports, now)).nextDueAt;
    assert.equal(dueAt, null, 'nothing left');
    await dispatchChange(ports, MOVED, undefined, now);
    const marker = [...ports.outbox.markers.values()][0]!;
    assert.ok(marker.dueAt > now);
    assert.equal((await sendDue(ports, now)).nextDueAt, marker.dueAt);
    assert.equal(ports.endpoints.posted.length, 1, 'not sent before it is due');
  });

  test('one pass over many due subscriptions sends each its own delivery, signed with its own secret', async () => {
    const { ports, secret, subscriptionId } = await setUp();
    const more = [];
    for (let i = 0; i < 5; i++) {
      const url = `https://hooks.example/${i}`;
      more.push({
        ...(await subscribe(
          ports,
          { ...pcs, facilities: [`plant-${i + 2}`] },
          `plant-${i + 2}`,
          { url, events: 'components' },
          Date.now() - 600_000,
        )),
      });
    }
    for (const [i, m] of more.entries()) {
      ports.changes.put(`plant-${i + 2}`, 'COMPONENTS', `P-${i}`, Date.now() - 300_000, { doc: { componentId: `P-${i}`, rev: 1 } });
      await ports.outbox.markDue(`plant-${i + 2}`, m.subscriptionId, Date.now() - 1000, Date.now() - 300_000);
    }
    const report = await sendDue(ports);
    assert.equal(report.claimed, 6);
    const byUrl = new Map(ports.endpoints.posted.map((p) => [p.url, p]));
    assert.deepEqual(idsOf(byUrl.get('https://hooks.example/c')!), ['C-1@1']);
    assert.doesNotThrow(() =>
      new Webhook(secret).verify(byUrl.get('https://hooks.example/c')!.body, byUrl.get('https://hooks.example/c')!.headers),
    );
    for (const [i, m] of more.entries()) {
      const posted = byUrl.get(m.url)!;
      assert.deepEqual(idsOf(posted), [`P-${i}@1`]);
      assert.doesNotThrow(() => new Webhook(m.secret).verify(posted.body, posted.headers));
    }
    assert.equal(ports.outbox.markers.size, 0, `nothing left, ${subscriptionId} included`);
  });

  test('two senders claiming one marker: one wins, the endpoint gets one delivery', async () => {
    const { ports, deliveries } = await setUp();
    const [a, b] = await Promise.all([sendDue(ports), sendDue(ports)]);
    assert.equal(a.claimed + b.claimed, 1);
    assert.equal(ports.endpoints.posted.length, 1);
    assert.equal(deliveries().length, 1);
  });

  test('a marker under a live lease is left alone; once the lease has run out (its sender died) another sender delivers', async () => {
    const { ports } = await setUp();
    const marker = [...ports.outbox.markers.values()][0]!;
    assert.ok(await ports.outbox.claim(marker, Date.now(), WEBHOOK_SETTINGS.leaseMs), 'a sender claims, then dies');
    assert.equal((await sendDue(ports)).claimed, 0);
    assert.equal(ports.endpoints.posted.length, 0);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + WEBHOOK_SETTINGS.leaseMs + 1);
    assert.equal((await sendDue(ports)).claimed, 1);
    assert.deepEqual(idsOf(ports.endpoints.posted[0]!), ['C-1@1']);
  });

  test('a subscription edited while an attempt was out: the outcome is written on it as it is now, sent once', async () => {
    const { ports, subscriptionId, deliveries, sub } = await setUp();
    changedWhileFirstAttemptOut(ports, subscriptionId, { description: 'edited meanwhile' });
    await sendDue(ports);
    assert.equal(ports.endpoints.posted.length, 1);
    assert.deepEqual(
      deliveries().map((d) => [d.status, d.webhookId]),
      [['delivered', idOf(ports.endpoints.posted[0]!)]],
    );
    assert.equal(sub().description, 'edited meanwhile');
    assert.equal(sub().current, null);
    assert.equal(ports.outbox.markers.size, 0);
    await sendDue(ports);
    assert.equal(ports.endpoints.posted.length, 1, 'nothing sent twice');
  });

  test('a new URL while an attempt was out: nothing is written, and the slice goes to the new URL under the same id', async () => {
    const { ports, subscriptionId, deliveries, sub } = await setUp();
    changedWhileFirstAttemptOut(ports, subscriptionId, { url: 'https://hooks.example/new' });
    await sendDue(ports);
    assert.equal(deliveries().length, 0, 'the outcome at the old URL is not written');
    assert.equal(ports.outbox.markers.size, 1, 'due again at once');
    await sendDue(ports);
    const posted = ports.endpoints.posted;
    assert.deepEqual(
      posted.map((p) => p.url),
      ['https://hooks.example/c', 'https://hooks.example/new'],
    );
    assert.equal(idOf(posted[0]!), idOf(posted[1]!), 'the same message, so a receiver can drop the repeat');
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered'],
    );
    assert.equal(sub().current, null);
    assert.equal(ports.outbox.markers.size, 0);
  });

  test('a replay while an attempt was out: nothing is written, and the replay goes out under new ids', async () => {
    const { ports, subscriptionId, deliveries, t0 } = await setUp();
    changedWhileFirstAttemptOut(ports, subscriptionId, { replayFrom: new Date(t0).toISOString(), replays: 1 });
    await sendDue(ports);
    assert.equal(deliveries().length, 0);
    await sendDue(ports);
    const posted = ports.endpoints.posted;
    assert.deepEqual(posted.map(idsOf), [['C-1@1'], ['C-1@1']]);
    assert.notEqual(idOf(posted[0]!), idOf(posted[1]!), 'a replay is a new message');
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered'],
    );
  });

  test('throttled storage: reading the outbox fails the run and loses nothing; a throttled write after the send is retried once the lease runs out', async () => {
    const { ports, deliveries } = await setUp();
    ports.outbox.faults.throttleNext = 1;
    await assert.rejects(sendDue(ports), (e) => e instanceof StorageError && e.failure === 'throttled');
    assert.equal(ports.endpoints.posted.length, 0);

    ports.endpoints.answer = () => {
      if (ports.endpoints.posted.length === 1) ports.subscriptions.faults.throttleNext = 1;
      return { status: 204 };
    };
    await sendDue(ports);
    assert.equal(ports.endpoints.posted.length, 1);
    assert.equal(deliveries().length, 0, 'the outcome could not be written');
    assert.equal((await sendDue(ports)).claimed, 0, 'the lease holds');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + WEBHOOK_SETTINGS.leaseMs + 1);
    await sendDue(ports);
    const ids = ports.endpoints.posted.map((p) => p.headers['webhook-id']);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered'],
    );
  });

  test('a failing endpoint: retried on the schedule under one id, dead-lettered when it is exhausted, and the next change goes on', async () => {
    const { ports, deliveries, change, sub } = await setUp();
    vi.useFakeTimers({ toFake: ['Date'] });
    ports.endpoints.answer = () => ({ status: 500 });
    for (let pass = 0; pass < 20 && deliveries()[0]?.status !== 'failed'; pass++) {
      await sendDue(ports, Date.now());
      const next = deliveries()[0]?.nextAttemptAt;
      if (next) vi.setSystemTime(Math.max(Date.now(), next));
    }
    const [failed] = deliveries();
    assert.equal(failed!.status, 'failed');
    assert.equal(failed!.attempts.length, config().webhookRetrySchedule.length + 1);
    assert.equal(new Set(ports.endpoints.posted.map((p) => p.headers['webhook-id'])).size, 1);
    assert.equal(sub().status, 'active', 'within the disable-after period');

    ports.endpoints.answer = () => ({ status: 204 });
    change('C-2', Date.now() - 60_000);
    await dispatchChange(ports, MOVED, undefined, Date.now() - 60_000);
    await sendDue(ports, Date.now());
    assert.deepEqual(idsOf(ports.endpoints.posted.at(-1)!), ['C-2@1']);
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['failed', 'delivered'],
    );
  });

  test('410 Gone disables the subscription and keeps the delivery pending', async () => {
    const { ports, deliveries, sub } = await setUp();
    ports.endpoints.answer = () => ({ status: 410 });
    await sendDue(ports);
    assert.equal(sub().status, 'disabled');
    assert.equal(deliveries()[0]!.status, 'pending');
    await sendDue(ports);
    assert.equal(ports.endpoints.posted.length, 1, 'a disabled subscription is not sent to');
  });

  test('a document changed while its delivery waited for a retry rides in a later delivery, never older after newer', async () => {
    const { ports, deliveries, change } = await setUp();
    vi.useFakeTimers({ toFake: ['Date'] });
    ports.endpoints.answer = () => ({ status: 503 });
    await sendDue(ports, Date.now());
    const retryAt = deliveries()[0]!.nextAttemptAt!;
    // Changed after the slice was cut: it has moved past the slice's end.
    vi.setSystemTime(Date.now() + 1000);
    change('C-1', Date.now(), 2);
    await dispatchChange(ports, MOVED, undefined, Date.now());
    ports.endpoints.answer = () => ({ status: 204 });
    vi.setSystemTime(retryAt + 10_000);
    await sendDue(ports, Date.now());
    assert.deepEqual(ports.endpoints.posted.map(idsOf), [['C-1@1'], ['C-1@2']]);
    assert.deepEqual(
      deliveries().map((d) => d.status),
      ['delivered', 'delivered'],
    );
  });

  test('a retry whose body changed (a document of it changed meanwhile) goes out under a new id; the same body keeps its id; the log names the id of every attempt', async () => {
    const { ports, deliveries, change, t0, secret, sub } = await setUp();
    change('C-2', t0 + 61_000);
    change('C-3', t0 + 62_000);
    vi.useFakeTimers({ toFake: ['Date'] });
    // The receiver verifies each request when it arrives (the timestamp is checked against its clock).
    const verified: boolean[] = [];
    const receiver = (status: number) => (p: Posted) => {
      try {
        new Webhook(secret).verify(p.body, p.headers);
        verified.push(true);
      } catch {
        verified.push(false);
      }
      return { status };
    };
    ports.endpoints.answer = receiver(500);
    await sendDue(ports, Date.now());
    // C-1 changes while its delivery waits for a retry: it leaves the slice for a later delivery.
    vi.setSystemTime(Date.now() + 1000);
    change('C-1', Date.now(), 2);
    await dispatchChange(ports, MOVED, undefined, Date.now());
    for (const answer of [500, 500, 204]) {
      ports.endpoints.answer = receiver(answer);
      vi.setSystemTime(Math.max(Date.now(), deliveries()[0]!.nextAttemptAt!) + 10_000);
      await sendDue(ports, Date.now());
    }
    const posted = ports.endpoints.posted;
    assert.deepEqual(posted.map(idsOf), [
      ['C-1@1', 'C-2@1', 'C-3@1'],
      ['C-2@1', 'C-3@1'],
      ['C-2@1', 'C-3@1'],
      ['C-2@1', 'C-3@1'],
      ['C-1@2'],
    ]);
    const ids = posted.map(idOf);
    assert.notEqual(ids[1], ids[0], 'another body: another message');
    assert.equal(ids[2], ids[1], 'the same body: the same message, so a receiver can drop the repeat');
    assert.equal(ids[3], ids[1]);
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(
      verified,
      posted.map(() => true),
      'every attempt signed over its own id, timestamp and body',
    );
    assert.deepEqual(
      receiverSaw(posted),
      new Map([
        ['C-1', 2],
        ['C-2', 1],
        ['C-3', 1],
      ]),
    );

    const log = await deliveryLog(ports, sub(), {});
    const [second, first] = log.deliveries;
    assert.deepEqual(
      first!.attempts.map((a) => a.webhookId),
      ids.slice(0, 4),
    );
    assert.equal(first!.webhookId, ids[3], 'the delivery is listed under the id it was delivered under');
    assert.deepEqual([first!.status, first!.documents], ['delivered', 2]);
    assert.deepEqual(
      second!.attempts.map((a) => a.webhookId),
      [ids[4]],
    );
  });

  test('an attempt whose outcome could not be written: the next takes the slice afresh, under the same id only for the same body', async () => {
    const { ports, deliveries, change, t0 } = await setUp();
    change('C-2', t0 + 61_000);
    vi.useFakeTimers({ toFake: ['Date'] });
    ports.endpoints.answer = () => {
      ports.subscriptions.faults.throttleNext = 1;
      return { status: 500 };
    };
    await sendDue(ports, Date.now());
    assert.equal(deliveries().length, 0, 'the attempt was not written');
    vi.setSystemTime(Date.now() + 1000);
    change('C-1', Date.now(), 2);
    await dispatchChange(ports, MOVED, undefined, Date.now());
    ports.endpoints.answer = () => ({ status: 204 });
    vi.setSystemTime(Date.now() + WEBHOOK_SETTINGS.leaseMs + 1);
    await sendDue(ports, Date.now());
    const posted = ports.endpoints.posted;
    assert.deepEqual(posted.map(idsOf), [
      ['C-1@1', 'C-2@1'],
      ['C-2@1', 'C-1@2'],
    ]);
    assert.equal(new Set(posted.map(idOf)).size, 2, 'two bodies, two ids');
    receiverSaw(posted);
  });

  test('a receiver failing at random while documents keep changing never sees one id with two bodies, nor an older version after a newer one, and gets every latest version', async () => {
    const { ports, deliveries, change, t0, subscriptionId } = await setUp();
    const random = seeded(24);
    const revs = new Map<string, number>([['C-1', 1]]);
    const bump = (id: string, at: number) => {
      revs.set(id, (revs.get(id) ?? 0) + 1);
      change(id, at, revs.get(id));
    };
    for (let i = 2; i <= 8; i++) bump(`C-${i}`, t0 + 60_000 + i * 1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    const settle = config().pollSettleMs + 1000;
    // Six passes of a flaky receiver (fewer attempts than the schedule: nothing is dead-lettered).
    for (let pass = 0; pass < 6; pass++) {
      ports.endpoints.answer = () => ({ status: random() < 0.7 ? 500 : 204 });
      await sendDue(ports, Date.now());
      for (let n = 0; n < 1 + Math.floor(random() * 3); n++) {
        vi.setSystemTime(Date.now() + 1000);
        bump(`C-${1 + Math.floor(random() * 8)}`, Date.now());
      }
      await dispatchChange(ports, MOVED, undefined, Date.now());
      const next = ports.subscriptions.stored({ facilityId: FAC, subscriptionId })!.current ? deliveries().at(-1)!.nextAttemptAt : null;
      vi.setSystemTime(Math.max(Date.now() + settle, next ?? 0));
    }
    // The receiver recovers.
    ports.endpoints.answer = () => ({ status: 204 });
    for (let pass = 0; pass < 50 && ports.outbox.markers.size > 0; pass++) {
      vi.setSystemTime(Date.now() + settle + 10_000);
      await sendDue(ports, Date.now());
    }
    assert.equal(ports.outbox.markers.size, 0, 'all delivered');
    assert.ok(
      deliveries().every((d) => d.status === 'delivered'),
      'nothing dead-lettered',
    );
    assert.ok(new Set(ports.endpoints.posted.map(idOf)).size > 1);
    assert.deepEqual(receiverSaw(ports.endpoints.posted), revs, 'every latest version arrived');
  });

  test('after a rotation both secrets sign, so a receiver holding either verifies', async () => {
    const { ports, subscriptionId, secret } = await setUp();
    const { secret: rotated } = await rotateSecret(ports, pcs, FAC, subscriptionId);
    await sendDue(ports);
    const [posted] = ports.endpoints.posted;
    assert.equal(posted!.headers['webhook-signature']!.split(' ').length, 2);
    for (const s of [secret, rotated]) assert.doesNotThrow(() => new Webhook(s).verify(posted!.body, posted!.headers));
  });
});
