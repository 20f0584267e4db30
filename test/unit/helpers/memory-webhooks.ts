/**
 * The webhook ports (functions/use-cases/webhook-ports.ts) in memory, one implementation per
 * port, with the rules the real stores enforce: a subscription written only at the version read,
 * a new delivery only once, the key's count of subscriptions checked and bumped in one step, an
 * outbox marker claimed only at the version read and outside a live lease. Hooks let a test
 * race a writer or fail a call as storage would (StorageError 'throttled').
 */

import { StorageError } from '../../../functions/domain/errors.ts';
import type { Window } from '../../../functions/domain/poll-window.ts';
import type * as W from '../../../functions/domain/webhooks.ts';
import type { PostResult } from '../../../functions/shared/webhook-post.ts';
import type { Stream } from '../../../functions/store/keys.ts';
import type {
  ChangeFeed,
  DeliveryLog,
  DeliveryRef,
  Endpoints,
  Outbox,
  SecretBox,
  SubscriptionStore,
  WebhookPorts,
} from '../../../functions/use-cases/webhook-ports.ts';

/** What a test can make the next calls of a port do. */
export interface Faults {
  /** Runs once before the next write: a racing writer. */
  race: null | (() => void);
  /** How many calls to come fail as throttled storage. */
  throttleNext: number;
}
const faults = (): Faults => ({ race: null, throttleNext: 0 });

function step(f: Faults): void {
  const race = f.race;
  f.race = null;
  race?.();
  if (f.throttleNext > 0) {
    f.throttleNext--;
    throw new StorageError('throttled', 'storage throttled: ThrottlingException');
  }
}

const refOf = (d: DeliveryRef) => `DLV#${d.createdAt}#${d.deliveryId}`;
const subKey = (facilityId: string, subscriptionId: string) => `${facilityId} ${subscriptionId}`;

/** The delivery log in memory; the subscription store writes into it with its subscription. */
export function memoryDeliveryLog() {
  const log = new Map<string, Map<string, W.Delivery>>();
  const of = (subscriptionId: string) => {
    const m = log.get(subscriptionId) ?? new Map<string, W.Delivery>();
    log.set(subscriptionId, m);
    return m;
  };
  const port = {
    log,
    faults: faults(),
    /** Every delivery of a subscription, oldest first. */
    all: (subscriptionId: string) => [...of(subscriptionId).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, d]) => d),
    /** Applies a delivery's write; false when a new one exists already. */
    write(w: W.DeliveryWrite, subscriptionId: string): boolean {
      const d = 'start' in w ? w.start : w.save;
      const m = of(subscriptionId);
      if ('start' in w && m.has(refOf(d))) return false;
      m.set(refOf(d), structuredClone(d));
      return true;
    },
    async inFlight(sub: W.Subscription) {
      step(port.faults);
      const d = sub.current ? of(sub.subscriptionId).get(sub.current) : undefined;
      return d ? structuredClone(d) : null;
    },
    async page(subscriptionId: string, o: { status?: W.DeliveryStatus | undefined; limit: number; after?: DeliveryRef | undefined }) {
      step(port.faults);
      const rows = [...of(subscriptionId).entries()]
        .sort(([a], [b]) => (a < b ? 1 : -1))
        .filter(([ref, d]) => (o.after === undefined || ref < refOf(o.after)) && (o.status === undefined || d.status === o.status))
        .map(([, d]) => structuredClone(d));
      return { deliveries: rows.slice(0, o.limit), more: rows.length > o.limit };
    },
    async count(subscriptionId: string, status: W.DeliveryStatus) {
      step(port.faults);
      return [...of(subscriptionId).values()].filter((d) => d.status === status).length;
    },
  };
  return port satisfies DeliveryLog;
}

export function memorySubscriptionStore(deliveries = memoryDeliveryLog()) {
  const subs = new Map<string, W.Subscription>();
  const counts = new Map<string, number>();
  const port = {
    subs,
    faults: faults(),
    /** The subscription as stored now (a copy). */
    stored: (s: Pick<W.Subscription, 'facilityId' | 'subscriptionId'>) => structuredClone(subs.get(subKey(s.facilityId, s.subscriptionId))),
    /** Another writer changes the stored subscription (its version moves on). */
    bump(s: Pick<W.Subscription, 'facilityId' | 'subscriptionId'>, changes: W.SubscriptionChanges = {}) {
      const k = subKey(s.facilityId, s.subscriptionId);
      const cur = subs.get(k)!;
      subs.set(k, { ...cur, ...changes, version: cur.version + 1 });
    },
    async create(sub: W.Subscription, max: number) {
      step(port.faults);
      const k = `${sub.keyId} ${sub.facilityId}`;
      if ((counts.get(k) ?? 0) >= max) return 'limit-reached' as const;
      counts.set(k, (counts.get(k) ?? 0) + 1);
      subs.set(subKey(sub.facilityId, sub.subscriptionId), structuredClone(sub));
      return 'created' as const;
    },
    async get(facilityId: string, subscriptionId: string) {
      step(port.faults);
      const s = subs.get(subKey(facilityId, subscriptionId));
      return s ? structuredClone(s) : null;
    },
    async getMany(keys: readonly { facilityId: string; subscriptionId: string }[]) {
      step(port.faults);
      return keys.map((k) => {
        const s = subs.get(subKey(k.facilityId, k.subscriptionId));
        return s ? structuredClone(s) : null;
      });
    },
    async list(facilityId: string) {
      step(port.faults);
      return [...subs.values()]
        .filter((s) => s.facilityId === facilityId)
        .sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1))
        .map((s) => structuredClone(s));
    },
    async ofKey(keyId: string) {
      step(port.faults);
      return [...subs.values()].filter((s) => s.keyId === keyId).map(({ facilityId, subscriptionId }) => ({ facilityId, subscriptionId }));
    },
    async remove(sub: W.Subscription) {
      step(port.faults);
      if (subs.delete(subKey(sub.facilityId, sub.subscriptionId))) {
        const k = `${sub.keyId} ${sub.facilityId}`;
        counts.set(k, (counts.get(k) ?? 1) - 1);
      }
    },
    async update(sub: W.Subscription, changes: W.SubscriptionChanges, delivery?: W.DeliveryWrite) {
      step(port.faults);
      const k = subKey(sub.facilityId, sub.subscriptionId);
      if (subs.get(k)?.version !== sub.version) return null;
      if (delivery && 'start' in delivery && deliveries.log.get(sub.subscriptionId)?.has(refOf(delivery.start))) return null;
      const all =
        delivery && 'start' in delivery && delivery.start.status === 'pending' ? { ...changes, current: refOf(delivery.start) } : changes;
      if (delivery) deliveries.write(delivery, sub.subscriptionId);
      const next: W.Subscription = { ...sub, ...all, version: sub.version + 1 };
      subs.set(k, structuredClone(next));
      return next;
    },
    async modify(facilityId: string, subscriptionId: string, decide: (s: W.Subscription | null) => Promise<W.SubscriptionDecision | null>) {
      for (let round = 0; round < 5; round++) {
        const sub = await port.get(facilityId, subscriptionId);
        const decision = await decide(sub);
        if (!sub || !decision) return sub;
        const written = await port.update(sub, decision.changes, decision.delivery);
        if (written) return written;
      }
      throw new StorageError('kept-changing', 'the documents kept changing over 5 rounds');
    },
  };
  return port satisfies SubscriptionStore;
}

/** A marker as stored: the port's reading and the lease, if any. */
export type StoredMarker = W.DueMarker & { leaseUntil?: number };

/**
 * The outbox in memory: `markers` are the markers in their shards (the store's partition of each
 * is keys.ts `outboxShard`, which the memory port needs not model); `legacy` is the one partition
 * of the outbox before issue 30, which `unclaimed` drains as the store does: each unleased marker
 * there is moved into its shard, merged with one already there (the earlier due time, the later
 * change, the version up).
 */
export function memoryOutbox() {
  const markers = new Map<string, StoredMarker>();
  const legacy = new Map<string, StoredMarker>();
  const moveLegacy = (k: string, m: StoredMarker) => {
    const home = markers.get(k);
    const changes = [home?.lastChange ?? null, m.lastChange].filter((c): c is number => c !== null);
    markers.set(k, {
      ...home,
      facilityId: m.facilityId,
      subscriptionId: m.subscriptionId,
      dueAt: Math.min(home?.dueAt ?? m.dueAt, m.dueAt),
      ver: (home?.ver ?? 0) + 1,
      lastChange: changes.length > 0 ? Math.max(...changes) : null,
    });
    legacy.delete(k);
  };
  const port = {
    markers,
    legacy,
    /** Plants a marker in the legacy partition, as the code before issue 30 left it. */
    plantLegacy(m: StoredMarker) {
      legacy.set(subKey(m.facilityId, m.subscriptionId), structuredClone(m));
    },
    faults: faults(),
    async markDue(facilityId: string, subscriptionId: string, dueAt: number, changeAt?: number) {
      step(port.faults);
      const k = subKey(facilityId, subscriptionId);
      const m = markers.get(k);
      const change = changeAt !== undefined;
      markers.set(k, {
        ...m,
        facilityId,
        subscriptionId,
        dueAt: change && m ? m.dueAt : dueAt,
        ver: (m?.ver ?? 0) + 1,
        lastChange: change ? changeAt : (m?.lastChange ?? null),
      });
    },
    async unclaimed(now: number) {
      step(port.faults);
      for (const [k, m] of [...legacy]) if ((m.leaseUntil ?? 0) <= now) moveLegacy(k, m);
      return [...markers.values()]
        .filter((m) => (m.leaseUntil ?? 0) <= now)
        .map(({ facilityId, subscriptionId, dueAt, ver, lastChange }) => ({ facilityId, subscriptionId, dueAt, ver, lastChange }));
    },
    async claim(m: W.DueMarker, now: number, leaseMs: number) {
      step(port.faults);
      const stored = markers.get(subKey(m.facilityId, m.subscriptionId));
      if (!stored || stored.ver !== m.ver || (stored.leaseUntil !== undefined && stored.leaseUntil >= now)) return false;
      stored.leaseUntil = now + leaseMs;
      return true;
    },
    async release(m: W.DueMarker, next: { dueAt: number } | 'done') {
      step(port.faults);
      const k = subKey(m.facilityId, m.subscriptionId);
      const stored = markers.get(k);
      if (!stored) return;
      delete stored.leaseUntil;
      if (stored.ver !== m.ver) return;
      if (next === 'done') markers.delete(k);
      else stored.dueAt = next.dueAt;
    },
    async drop(facilityId: string, subscriptionId: string) {
      step(port.faults);
      markers.delete(subKey(facilityId, subscriptionId));
      legacy.delete(subKey(facilityId, subscriptionId));
    },
  };
  return port satisfies Outbox;
}

/** A facility's change streams: each document at its latest position (a change moves it). */
export function memoryChangeFeed() {
  const entries: { facilityId: string; stream: Stream; id: string; position: string; document: unknown }[] = [];
  const port = {
    entries,
    faults: faults(),
    /** Writes a document at a new position (its old one, if any, is gone: the index holds the latest). */
    put(facilityId: string, stream: Stream, id: string, atMs: number, document: unknown) {
      const i = entries.findIndex((e) => e.facilityId === facilityId && e.stream === stream && e.id === id);
      if (i >= 0) entries.splice(i, 1);
      entries.push({ facilityId, stream, id, position: `${new Date(atMs).toISOString()}#${id}`, document });
    },
    async read(facilityId: string, stream: Stream, window: Window, limits: { maxItems: number; maxBytes: number }) {
      step(port.faults);
      if (window.empty) return { documents: [], lastPosition: null, truncated: false };
      const inWindow = entries
        .filter((e) => e.facilityId === facilityId && e.stream === stream)
        .filter((e) => e.position <= window.upper && (window.lower === null || e.position >= window.lower))
        .sort((a, b) => (a.position < b.position ? -1 : 1));
      const page = inWindow.slice(0, limits.maxItems);
      return {
        documents: page.map((e) => structuredClone(e.document)),
        lastPosition: page.at(-1)?.position ?? null,
        truncated: inWindow.length > page.length,
      };
    },
  };
  return port satisfies ChangeFeed;
}

/** Sealed as `sealed:{subscription}:{secret}`; opening it for another subscription fails, as KMS's context does. */
export function memorySecretBox() {
  return {
    async seal(secret: string, subscriptionId: string) {
      return `sealed:${subscriptionId}:${secret}`;
    },
    async open(sealed: string, subscriptionId: string) {
      const prefix = `sealed:${subscriptionId}:`;
      if (!sealed.startsWith(prefix)) throw new Error('sealed for another subscription');
      return sealed.slice(prefix.length);
    },
  } satisfies SecretBox;
}

export interface Posted {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** Endpoints that record every POST and answer what `answer` says (default 204). */
export function memoryEndpoints() {
  const port = {
    posted: [] as Posted[],
    answer: (_p: Posted): Partial<PostResult> => ({ status: 204 }),
    async resolve(_url: URL) {},
    async post(url: string, body: string, headers: Record<string, string>): Promise<PostResult> {
      const p = { url, body, headers };
      port.posted.push(p);
      return { status: null, error: null, ms: 1, response: null, retryAfter: null, ...port.answer(p) } as PostResult;
    },
  };
  return port satisfies Endpoints;
}

/** Every webhook port in memory, sharing one delivery log. */
export function memoryWebhookPorts() {
  const deliveries = memoryDeliveryLog();
  return {
    subscriptions: memorySubscriptionStore(deliveries),
    deliveries,
    outbox: memoryOutbox(),
    changes: memoryChangeFeed(),
    secrets: memorySecretBox(),
    endpoints: memoryEndpoints(),
  } satisfies WebhookPorts;
}
