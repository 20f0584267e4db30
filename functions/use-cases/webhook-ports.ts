/**
 * What the subscription routes and push delivery need of storage and of the outside world, in
 * their own terms. The real implementations are in functions/store/ (wired in
 * store/webhook-ports.ts); the unit tests run on in-memory ones (test/unit/helpers/).
 */
import type { Window } from '../domain/poll-window.ts';
import type {
  Delivery,
  DeliveryStatus,
  DeliveryWrite,
  DueMarker,
  Subscription,
  SubscriptionChanges,
  SubscriptionDecision,
} from '../domain/webhooks.ts';
import type { PostResult } from '../shared/webhook-post.ts';
import type { Stream } from '../store/keys.ts';

export interface SubscriptionStore {
  /** Stores a new subscription unless its key has `max` at the facility already (counted atomically). */
  create(sub: Subscription, max: number): Promise<'created' | 'limit-reached'>;
  get(facilityId: string, subscriptionId: string): Promise<Subscription | null>;
  /** Each subscription as `get` answers it (null: none), in the order of `keys`: many reads in few requests. */
  getMany(keys: readonly { facilityId: string; subscriptionId: string }[]): Promise<(Subscription | null)[]>;
  /** Every subscription of a facility, oldest id first. */
  list(facilityId: string): Promise<Subscription[]>;
  /** Where every subscription of a key is. */
  ofKey(keyId: string): Promise<{ facilityId: string; subscriptionId: string }[]>;
  /** Removes a subscription and counts it off its key, once: removing it again does nothing (its delivery log expires by itself). */
  remove(sub: Subscription): Promise<void>;
  /**
   * Applies the changes (and the delivery's state) if the subscription is still as read;
   * answers it as written, or null when it changed meanwhile (nothing written).
   */
  update(sub: Subscription, changes: SubscriptionChanges, delivery?: DeliveryWrite): Promise<Subscription | null>;
  /**
   * Read-decide-write: `decide` gets the subscription as stored now (null: none) and answers
   * what to change; when another writer got there first it is read and decided again (a few
   * rounds, then StorageError 'kept-changing'). Answers the subscription as written, or as read
   * when `decide` answered null.
   */
  modify(
    facilityId: string,
    subscriptionId: string,
    decide: (sub: Subscription | null) => Promise<SubscriptionDecision | null>,
  ): Promise<Subscription | null>;
}

export interface DeliveryLog {
  /** The subscription's delivery in flight, or null. */
  inFlight(sub: Subscription): Promise<Delivery | null>;
  /** A page of the log, newest first, optionally of one status, after the delivery `after` names. */
  page(
    subscriptionId: string,
    options: { status?: DeliveryStatus | undefined; limit: number; after?: DeliveryRef | undefined },
  ): Promise<{ deliveries: Delivery[]; more: boolean }>;
  /** How many deliveries of a subscription have this status (within the log's retention). */
  count(subscriptionId: string, status: DeliveryStatus): Promise<number>;
}

/** Where a page of the delivery log stopped: the last delivery listed. */
export type DeliveryRef = Pick<Delivery, 'createdAt' | 'deliveryId'>;

/** Due work: one marker per subscription with something to send, claimed by one sender at a time. */
export interface Outbox {
  /**
   * Marks a subscription due. A change (`changeAt` given) keeps a due time already set (a
   * steady stream of changes must not push it ever later) and records when it was seen; a
   * replay or an enable (no `changeAt`) sets the time.
   */
  markDue(facilityId: string, subscriptionId: string, dueAt: number, changeAt?: number): Promise<void>;
  /** Every marker nobody holds a lease on, due or not. */
  unclaimed(now: number): Promise<DueMarker[]>;
  /** Takes the marker for `leaseMs` if nobody holds it and nothing marked it since it was read. */
  claim(marker: DueMarker, now: number, leaseMs: number): Promise<boolean>;
  /** Ends a claim: the marker goes, or waits until `dueAt`; marked again meanwhile, it only loses the lease. */
  release(marker: DueMarker, next: { dueAt: number } | 'done'): Promise<void>;
  /** Removes a subscription's marker (the subscription is gone). */
  drop(facilityId: string, subscriptionId: string): Promise<void>;
}

/** A slice of a facility's change stream, as the poll would serve it. */
export interface ChangePage {
  /** The documents in stream order, each as the poll serves its kind (polled-kinds.ts `serve`). */
  documents: unknown[];
  /** Position of the last document read; null when none was. */
  lastPosition: string | null;
  /** True when more changes wait beyond this page. */
  truncated: boolean;
}

export interface ChangeFeed {
  read(facilityId: string, stream: Stream, window: Window, limits: { maxItems: number; maxBytes: number }): Promise<ChangePage>;
}

/** Signing secrets at rest: bound to their subscription. */
export interface SecretBox {
  seal(secret: string, subscriptionId: string): Promise<string>;
  open(sealed: string, subscriptionId: string): Promise<string>;
}

/** Subscribers' endpoints. */
export interface Endpoints {
  /** Refuses (400) an endpoint whose name does not resolve, or resolves to a non-public address. */
  resolve(url: URL): Promise<void>;
  post(url: string, body: string, headers: Record<string, string>): Promise<PostResult>;
}

export interface WebhookPorts {
  subscriptions: SubscriptionStore;
  deliveries: DeliveryLog;
  outbox: Outbox;
  changes: ChangeFeed;
  secrets: SecretBox;
  endpoints: Endpoints;
}
