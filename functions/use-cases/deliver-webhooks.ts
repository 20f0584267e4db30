/**
 * Push delivery: the dispatcher and the sender.
 *
 * The dispatcher reads the table's change stream. A change that moves an item in a facility's
 * changes index (what a poll would serve) marks every active subscription of that facility and
 * kind due once the settle delay has passed: a marker in the outbox, never the documents.
 *
 * The sender claims due markers (a lease) and, per subscription, runs one delivery at a time:
 * the next slice of the change stream after the subscription's position, read from the same
 * index with the same window rules as a poll (settled edge, oldest change first, at most 100
 * documents and 1 MB), served by the same functions (use-cases/polled-kinds.ts), signed with
 * Standard Webhooks' scheme and POSTed. A new delivery's first attempt sends the page it was cut
 * from, and the delivery is written once, with that attempt's outcome and the subscription's new
 * position, in one transaction. A delivery that fails keeps its slice and is retried on the
 * schedule; a retry's body is read afresh, so it always carries the latest version of each
 * document, and a document changed since has moved to a later slice: one order is never
 * delivered older after newer. Only when a delivery is done (delivered or dead-lettered) does the
 * position move on and the next slice go out.
 *
 * A `webhook-id` names one body (Standard Webhooks: the id is the message's identity). It is
 * derived from the subscription, its replays so far, where the delivery starts and the body's
 * hash (domain/webhooks.ts `messageId`): every attempt of the same body from the same place goes
 * out under the same id, a first attempt sent again because its outcome was never written
 * included, and a body that changed goes out under a new id. Each attempt in the log names the
 * id it carried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { planWindow, type Window } from '../domain/poll-window.ts';
import {
  type Attempt,
  bodyDigest,
  type Delivery,
  type DeliveryWrite,
  type DueMarker,
  joinSignatures,
  judgeAttempt,
  messageId,
  newId,
  parseRetryAfter,
  type Subscription,
  type SubscriptionChanges,
} from '../domain/webhooks.ts';
import { coalesced, mapConcurrently } from '../shared/concurrency.ts';
import { config, WEBHOOK_SETTINGS } from '../shared/config.ts';
import { logger } from '../shared/logger.ts';
import { countMetric } from '../shared/metrics.ts';
import { dueAfterSettle, signingSecrets, webhookSettleMs } from './manage-subscriptions.ts';
import { kindsOfStream, type PolledKind, pollAnswer, polledKind } from './polled-kinds.ts';
import type { ChangePage, WebhookPorts } from './webhook-ports.ts';

/** What the dispatcher needs: the subscriptions of a facility and the outbox. */
export type DispatchPorts = Pick<WebhookPorts, 'subscriptions' | 'outbox'>;
/** What the sender needs. */
export type SendPorts = Pick<WebhookPorts, 'subscriptions' | 'deliveries' | 'outbox' | 'changes' | 'secrets' | 'endpoints'>;

/** What the changes of one stream batch share (StreamBatch of shared/event-handler.ts); by default nothing. */
export interface Once {
  once<T>(key: string, run: () => Promise<T>): Promise<T>;
}
const EVERY_TIME: Once = { once: (_key, run) => run() };

/**
 * Marks the subscriptions a change concerns due: `moved` is where the changed item moved in a
 * facility's change stream (null: in none, or not moved, as a poll would not serve it again:
 * nothing is marked). Within one batch of the stream a facility's subscriptions are read once
 * and each is marked once: a hundred orders pushed together cost one Query, not a hundred.
 */
export async function dispatchChange(
  ports: DispatchPorts,
  moved: { facilityId: string; stream: string } | null,
  batch: Once = EVERY_TIME,
  now = Date.now(),
): Promise<number> {
  if (!moved) return 0;
  const kinds: string[] = kindsOfStream(moved.stream);
  if (kinds.length === 0) return 0;
  const all = await batch.once(`subscriptions ${moved.facilityId}`, () => ports.subscriptions.list(moved.facilityId));
  const subs = all.filter((s) => s.status === 'active' && kinds.includes(s.events));
  await Promise.all(
    subs.map((s) =>
      batch.once(`due ${s.facilityId} ${s.subscriptionId}`, () =>
        ports.outbox.markDue(s.facilityId, s.subscriptionId, dueAfterSettle(now), now),
      ),
    ),
  );
  return subs.length;
}

/**
 * Marks the subscriptions every change of a stream batch concerns, the changes side by side
 * (`WEBHOOK_SETTINGS.concurrency` at a time) rather than one after another: a mark is
 * idempotent and the order of marks does not matter, so a batch that fails is dispatched again
 * whole, harmlessly. A batch spanning many facilities costs a round trip or two, not two per facility.
 */
export async function dispatchChanges<C>(
  ports: DispatchPorts,
  changes: readonly C[],
  movedOf: (change: C) => { facilityId: string; stream: string } | null,
  batch: Once = EVERY_TIME,
  now = Date.now(),
): Promise<number> {
  // A change that cannot be read fails only itself: the others are still marked.
  const marked = await mapConcurrently(changes, WEBHOOK_SETTINGS.concurrency, async (c) => dispatchChange(ports, movedOf(c), batch, now));
  return marked.reduce((a, b) => a + b, 0);
}

/** The subscription changed under the sender (rotated, replayed, enabled, deleted): its write lost the race. */
class SubscriptionMoved extends Error {}

/** What one run of the sender did. */
export interface SendReport {
  claimed: number;
  attempts: number;
  /** Age of the oldest due marker when the run looked (ms; 0 when none was due). */
  oldestDueMs: number;
  /** When the earliest marker not yet due when the run looked comes due (null: none). */
  nextDueAt: number | null;
}

/**
 * One pass over the outbox: every due marker, `WEBHOOK_SETTINGS.concurrency` subscriptions at a
 * time. Until `lookUntil` (default: `now`, one look) the pass looks at the outbox again whenever
 * it has room for more and nothing queued (`WEBHOOK_SETTINGS.lookEveryMs` apart at most), and
 * claims what came due meanwhile as soon as a sender is free: a burst is worked through as its
 * markers come due, not in waves that each wait for the slowest subscription of the one before.
 * The pass ends once a look finds nothing new due and no subscription is being served.
 */
export async function sendDue(ports: SendPorts, now = Date.now(), options: { lookUntil?: number } = {}): Promise<SendReport> {
  const lookUntil = options.lookUntil ?? now;
  const report: SendReport = { claimed: 0, attempts: 0, oldestDueMs: 0, nextDueAt: null };
  // The subscriptions of claims won at about the same time are read together, a request for many.
  const read = coalesced((keys: DueMarker[]) => ports.subscriptions.getMany(keys));
  /** Markers this pass took, as read: one marked again or released to a new due time since is new. */
  const taken = new Set<string>();
  const takenKey = (m: DueMarker) => `${m.subscriptionId} ${m.ver} ${m.dueAt}`;
  const queue: DueMarker[] = [];
  const serving = new Set<Promise<void>>();
  let lookedAt = 0;

  /** Queues every due marker not taken yet; answers how many. */
  const look = async (at: number): Promise<number> => {
    lookedAt = Date.now();
    const markers = (await ports.outbox.unclaimed(at)).filter((m) => !taken.has(takenKey(m)));
    const due = markers.filter((m) => m.dueAt <= at).sort((a, b) => a.dueAt - b.dueAt);
    if (due.length > 0) report.oldestDueMs = Math.max(report.oldestDueMs, at - due[0]!.dueAt);
    report.nextDueAt = markers.filter((m) => m.dueAt > at).reduce<number | null>((a, m) => (a === null || m.dueAt < a ? m.dueAt : a), null);
    for (const m of due) taken.add(takenKey(m));
    queue.push(...due);
    return due.length;
  };
  const serve = async (marker: DueMarker): Promise<void> => {
    if (!(await ports.outbox.claim(marker, Date.now(), WEBHOOK_SETTINGS.leaseMs))) return;
    report.claimed++;
    try {
      report.attempts += await serveSubscription(ports, marker, read);
    } catch (e) {
      if (e instanceof SubscriptionMoved) {
        // The subscription changed under us (rotated, replayed, enabled, deleted): look again on the next pass.
        await ports.outbox.release(marker, { dueAt: Date.now() });
        return;
      }
      // The lease runs out and the marker is claimed again: nothing is lost.
      logger.error('webhook subscription failed to send', { subscriptionId: marker.subscriptionId, error: (e as Error).message });
    }
  };

  let found = await look(now);
  let failure: unknown = null;
  for (;;) {
    while (queue.length > 0 && serving.size < WEBHOOK_SETTINGS.concurrency) {
      const run: Promise<void> = serve(queue.shift()!)
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => serving.delete(run));
      serving.add(run);
    }
    if (failure !== null) break;
    const room = queue.length === 0 && serving.size < WEBHOOK_SETTINGS.concurrency;
    const mayLook = room && Date.now() < lookUntil && (found > 0 || serving.size > 0);
    if (!mayLook && serving.size === 0) break;
    const untilLook = lookedAt + WEBHOOK_SETTINGS.lookEveryMs - Date.now();
    if (mayLook && untilLook <= 0) {
      found = await look(Date.now());
      continue;
    }
    await Promise.race([...serving, ...(mayLook ? [sleep(untilLook)] : [])]);
  }
  await Promise.allSettled(serving);
  if (failure !== null) throw failure;
  return report;
}

/** Most deliveries one claim sends in a row before leaving the rest to the next pass. */
const DELIVERIES_PER_CLAIM = 20;

/** Works one subscription's due marker: the delivery in flight if due, then new ones while there are changes. */
async function serveSubscription(
  ports: SendPorts,
  marker: DueMarker,
  read: (marker: DueMarker) => Promise<Subscription | null>,
): Promise<number> {
  const done = async (next: { dueAt: number } | 'done', attempts: number): Promise<number> => {
    await ports.outbox.release(marker, next);
    return attempts;
  };
  let attempts = 0;
  // Stop well inside the lease (an attempt takes up to 10 s), so no other run can claim it meanwhile.
  const until = Date.now() + WEBHOOK_SETTINGS.leaseMs - 2 * WEBHOOK_SETTINGS.timeoutMs;
  // Read once the claim is won: what another sender wrote before it let go is there.
  let sub = await read(marker);
  for (let round = 0; round < DELIVERIES_PER_CLAIM && Date.now() < until; round++) {
    const now = Date.now();
    const kind = sub && polledKind(sub.events);
    if (!sub || !kind || sub.status !== 'active') return done('done', attempts);
    let delivery = await ports.deliveries.inFlight(sub);
    if (delivery?.nextAttemptAt && delivery.nextAttemptAt > now) return done({ dueAt: delivery.nextAttemptAt }, attempts);
    // Nothing settled to send; a change seen lately may still be settling: look again once it has.
    const settledAt = marker.lastChange === null ? 0 : dueAfterSettle(marker.lastChange);
    let cut: ChangePage | null = null;
    if (!delivery) {
      const made = await nextDelivery(ports, sub, kind, now);
      if (!made) return done(settledAt > now ? { dueAt: settledAt } : 'done', attempts);
      [delivery, cut] = made;
    }
    attempts++;
    const outcome = await attempt(ports, sub, kind, delivery, now, cut);
    sub = outcome.sub;
    if (outcome.wait !== null) return done({ dueAt: outcome.wait }, attempts);
    // The slice just read held every settled change up to the edge, and every change the marker
    // was seen for had settled when it was read: there is nothing further to look for. A change
    // marked since has bumped the marker, and the release leaves it due.
    if (cut && !cut.truncated && settledAt <= now) return done('done', attempts);
  }
  return done({ dueAt: Date.now() }, attempts);
}

/** Applies changes to the subscription as the sender read it; another writer got there first: SubscriptionMoved. */
async function update(ports: SendPorts, sub: Subscription, changes: SubscriptionChanges, delivery: DeliveryWrite): Promise<Subscription> {
  const updated = await ports.subscriptions.update(sub, changes, delivery);
  if (!updated) throw new SubscriptionMoved();
  return updated;
}

/**
 * Bytes of stored documents one delivery carries at most: 1 MB of canonical JSON; the older
 * forms' longer names make a document up to about a fifth larger, so they get 80 % of it.
 */
const byteBudget = (sub: Subscription) =>
  Math.min(sub.format === 'canonical' ? WEBHOOK_SETTINGS.maxBytes : Math.floor(WEBHOOK_SETTINGS.maxBytes * 0.8), config().pollMaxBytes);

/** A window on the change stream between two positions (inclusive), as a read takes it. */
function slice(lower: string | null, upper: string, windowStart: number | null): Window {
  return {
    mode: 'since',
    from: lower ?? '',
    lower,
    upper,
    windowStart,
    settled: upper,
    clientTime: null,
    recordWhenEmpty: false,
    empty: false,
  };
}

/**
 * The next slice after the subscription's position (or its replay point) as a new delivery, not
 * yet written, and the page read to cut it, which its first attempt sends: the delivery is
 * written once, with that attempt's outcome. The slice ends `webhookSettleMs` back: a margin short
 * of a poll's settled edge, for a write slower than the settle delay.
 */
async function nextDelivery(ports: SendPorts, sub: Subscription, kind: PolledKind, now: number): Promise<[Delivery, ChangePage] | null> {
  const from = sub.replayFrom ?? sub.position;
  const window = planWindow({
    now,
    settleMs: webhookSettleMs(),
    clientTime: null,
    state: null,
    cursor: { after: from, windowStart: Date.parse(from.slice(0, 24)) },
  });
  if (window.empty) return null;
  const page = await ports.changes.read(sub.facilityId, kind.stream, window, {
    maxItems: WEBHOOK_SETTINGS.maxDocuments,
    maxBytes: byteBudget(sub),
  });
  if (page.documents.length === 0) return null;
  const end = page.truncated && page.lastPosition !== null ? page.lastPosition : window.upper;
  const delivery: Delivery = {
    subscriptionId: sub.subscriptionId,
    deliveryId: newId('dlv'),
    // No body is named yet: the first attempt derives its id (messageId).
    webhookId: '',
    bodyHash: null,
    createdAt: new Date(now).toISOString(),
    status: 'pending',
    attempts: [],
    nextAttemptAt: now,
    retries: 0,
    lower: window.lower,
    upper: end,
    windowStart: window.windowStart,
    nextPosition: end,
    documents: page.documents.length,
  };
  return [delivery, page];
}

/**
 * One attempt of a delivery; `wait` is when the subscription needs the sender next (null: go on
 * now). A new delivery's first attempt sends `cut`, the page it was cut from, and writes the
 * delivery with its outcome; a retry reads its slice again (a document changed since has moved
 * to a later slice) and saves the delivery's new state.
 */
async function attempt(
  ports: SendPorts,
  sub: Subscription,
  kind: PolledKind,
  delivery: Delivery,
  now: number,
  cut: ChangePage | null,
): Promise<{ sub: Subscription; wait: number | null }> {
  const page =
    cut ??
    (await ports.changes.read(sub.facilityId, kind.stream, slice(delivery.lower, delivery.upper, delivery.windowStart), {
      maxItems: WEBHOOK_SETTINGS.maxDocuments,
      maxBytes: byteBudget(sub),
    }));
  const record = (d: Delivery, changes: SubscriptionChanges) =>
    cut ? recordFirst(ports, sub, d, changes) : update(ports, sub, changes, { save: d });
  const conclude = (d: Delivery, changes: SubscriptionChanges) => record(d, { current: null, position: d.nextPosition, ...changes });
  if (page.documents.length === 0) {
    // Every document of the slice changed again since: each now rides in a later delivery.
    return { sub: await conclude({ ...delivery, status: 'delivered', nextAttemptAt: null, documents: 0 }, {}), wait: null };
  }
  const { body: answer, count } = pollAnswer(kind, page.documents, delivery.windowStart, sub.format);
  const body = JSON.stringify(answer);
  const bodyHash = bodyDigest(body);
  const webhookId = messageId(sub, delivery, bodyHash);
  const sentAt = new Date();
  const signature = joinSignatures(
    (await signingSecrets(ports.secrets, sub, now)).map((s) => new Webhook(s).sign(webhookId, sentAt, body)),
  );
  const headers = {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': signature,
  };
  const result = await ports.endpoints.post(sub.url, body, headers);
  const logged: Attempt = {
    at: sentAt.toISOString(),
    webhookId,
    status: result.status,
    error: result.error,
    ms: result.ms,
    response: result.response,
  };
  const after = Date.now();
  const failingSince = sub.failingSince ?? after;
  const verdict = judgeAttempt({
    attempt: logged,
    retries: delivery.retries,
    schedule: config().webhookRetrySchedule,
    failingSince,
    disableAfterMs: config().webhookDisableAfterMs,
    now: after,
    random: Math.random(),
    retryAfterMs: parseRetryAfter(result.retryAfter, after),
  });
  const tried: Delivery = { ...delivery, webhookId, bodyHash, attempts: [...delivery.attempts, logged], documents: count };
  // One line per attempt (docs/operations.md): what was sent where, and what the hub makes of the answer.
  logger.info('webhook delivery attempt', {
    subscriptionId: sub.subscriptionId,
    deliveryId: delivery.deliveryId,
    webhookId,
    status: result.status,
    ms: result.ms,
    outcome: verdict.kind,
    ...(result.error ? { error: result.error } : {}),
    ...(verdict.kind === 'retry' ? { nextAttemptAt: new Date(verdict.at).toISOString() } : {}),
  });
  // The dashboard's webhook figures (docs/operations.md): failed attempts and dead letters.
  if (verdict.kind !== 'delivered') countMetric('webhookFailures');
  if (verdict.kind === 'failed') countMetric('webhookDeadLetters');
  switch (verdict.kind) {
    case 'delivered': {
      const d: Delivery = { ...tried, status: 'delivered', nextAttemptAt: null };
      return { sub: await conclude(d, { failingSince: null, lastDeliveryAt: sentAt.toISOString() }), wait: null };
    }
    case 'retry': {
      const d: Delivery = { ...tried, retries: delivery.retries + 1, nextAttemptAt: verdict.at };
      return { sub: await record(d, { failingSince }), wait: verdict.at };
    }
    case 'failed': {
      // Dead-lettered: listed as failed, sent again by a replay; the next slice goes on.
      const d: Delivery = { ...tried, status: 'failed', nextAttemptAt: null };
      logger.warn('webhook delivery dead-lettered', { subscriptionId: sub.subscriptionId, deliveryId: d.deliveryId });
      return { sub: await conclude(d, { failingSince }), wait: null };
    }
    case 'disable': {
      // The delivery stays pending: enable resumes from it.
      const d: Delivery = { ...tried, nextAttemptAt: null };
      logger.warn('webhook subscription disabled', { subscriptionId: sub.subscriptionId, reason: verdict.reason });
      const changes: SubscriptionChanges = { status: 'disabled', disabledReason: verdict.reason, failingSince };
      return { sub: await record(d, changes), wait: null };
    }
  }
}

/**
 * Writes a new delivery with its first attempt's outcome, and the subscription's change: the
 * replay point is used up, and a delivery still pending becomes the one in flight (the store
 * names it). When the subscription changed while the attempt was out (rotated, edited, disabled)
 * but the delivery still starts where it is, the outcome is written on it as it is now; a
 * replay, a new URL or another sender's delivery meanwhile leave it unwritten (SubscriptionMoved):
 * the slice goes out again, under the same webhook-id while its body is the same.
 */
async function recordFirst(ports: SendPorts, sub: Subscription, d: Delivery, changes: SubscriptionChanges): Promise<Subscription> {
  const all: SubscriptionChanges = { replayFrom: null, ...changes };
  const written = await ports.subscriptions.update(sub, all, { start: d });
  if (written) return written;
  const same = (s: Subscription) =>
    s.replays === sub.replays && s.replayFrom === sub.replayFrom && s.position === sub.position && s.url === sub.url && s.current === null;
  let decided = false;
  const again = await ports.subscriptions.modify(sub.facilityId, sub.subscriptionId, async (s) => {
    decided = s !== null && same(s);
    return decided ? { changes: all, delivery: { start: d } } : null;
  });
  if (!again || !decided) throw new SubscriptionMoved();
  return again;
}
