/**
 * The operator view's pollers: every poller (key × kind) of a facility with its last poll, its
 * position, its backlog (one capped count each) and its state, and every webhook subscription
 * there with its own. Reading it costs O(pollers + subscriptions) plus one capped Query each,
 * never a scan: the pollers are listed from an index the poll itself keeps.
 */
import { lagSeconds, pollerHealth, positionTime, subscriptionHealth } from '../domain/operator-view.ts';
import { isoMs } from '../domain/time.ts';
import type { Subscription } from '../domain/webhooks.ts';
import type { Stream } from '../store/keys.ts';
import type { KeyInfo, OperatorStore } from '../store/operator-store.ts';
import { POLLED_KINDS, type PolledKindName, polledKind } from './polled-kinds.ts';
import type { DeliveryLog, SubscriptionStore } from './webhook-ports.ts';

export interface OperatorPorts {
  store: OperatorStore;
  subscriptions: Pick<SubscriptionStore, 'list'>;
  deliveries: Pick<DeliveryLog, 'count'>;
}

export interface ViewSettings {
  silentAfterMs: number;
  settleMs: number;
  backlogCap: number;
}

/** The kind a change stream carries (one per stream). */
function kindOfStream(stream: Stream): PolledKindName {
  const name = (Object.keys(POLLED_KINDS) as PolledKindName[]).find((k) => POLLED_KINDS[k].stream === stream);
  if (!name) throw new Error(`no kind on stream ${stream}`);
  return name;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The pollers of a facility, by kind then key, revoked keys left out; and its subscriptions. */
export async function readPollers(ports: OperatorPorts, facilityId: string, settings: ViewSettings, now = Date.now()) {
  // The settled edge, as a poll's window ends (domain/poll-window.ts): later changes wait for everyone.
  const upTo = `${isoMs(now - settings.settleMs)}~`;
  const [stored, subs] = await Promise.all([ports.store.pollersOf(facilityId), ports.subscriptions.list(facilityId)]);
  const keys = await ports.store.keyInfo([...new Set([...stored.map((p) => p.keyId), ...subs.map((s) => s.keyId)])]);
  const live = stored.filter((p) => keys.get(p.keyId) && !keys.get(p.keyId)!.revoked);

  const pollers = await Promise.all(
    live.map(async (p) => {
      const key = keys.get(p.keyId)!;
      const waiting = await ports.store.unserved(facilityId, p.stream, p.position, upTo, settings.backlogCap);
      // A state stored before the hub noted polls counts as polled when its position was last set.
      const lastPollAt = p.lastPollAt ?? Date.parse(positionTime(p.position) ?? new Date(0).toISOString());
      const state = pollerHealth({ lastPollAt, oldestUnservedAt: waiting.oldest, now, silentAfterMs: settings.silentAfterMs });
      return {
        keyId: p.keyId,
        keyName: key.name,
        role: key.role,
        kind: kindOfStream(p.stream),
        lastPollAt: new Date(lastPollAt).toISOString(),
        lastExecutionDateTime: iso(p.lastClientTime),
        servedUpTo: positionTime(p.position),
        backlog: waiting.count,
        backlogCapped: waiting.capped,
        lagSeconds: lagSeconds(waiting.oldest, now),
        state,
      };
    }),
  );
  const subscriptions = await Promise.all(subs.map((s) => subscriptionRow(ports, s, keys, upTo, settings, now)));
  return { pollers, subscriptions };
}

async function subscriptionRow(
  ports: OperatorPorts,
  sub: Subscription,
  keys: Map<string, KeyInfo>,
  upTo: string,
  settings: ViewSettings,
  now: number,
) {
  const kind = polledKind(sub.events);
  const [waiting, failed] = await Promise.all([
    kind
      ? ports.store.unserved(sub.facilityId, kind.stream, sub.position, upTo, settings.backlogCap)
      : Promise.resolve({ count: 0, capped: false, oldest: null }),
    ports.deliveries.count(sub.subscriptionId, 'failed'),
  ]);
  return {
    subscriptionId: sub.subscriptionId,
    keyId: sub.keyId,
    keyName: keys.get(sub.keyId)?.name ?? null,
    kind: sub.events,
    url: sub.url,
    status: sub.status,
    disabledReason: sub.disabledReason,
    servedUpTo: positionTime(sub.position),
    backlog: waiting.count,
    backlogCapped: waiting.capped,
    lagSeconds: lagSeconds(waiting.oldest, now),
    failedDeliveries: failed,
    lastDeliveryAt: sub.lastDeliveryAt,
    state: subscriptionHealth({
      status: sub.status,
      failingSince: sub.failingSince,
      oldestUnservedAt: waiting.oldest,
      now,
      silentAfterMs: settings.silentAfterMs,
    }),
  };
}

/** What the overview reads besides the pollers (store/facility-stats-store.ts, store/activity-store.ts, the key list). */
export interface OverviewPorts extends OperatorPorts {
  figures(facilityId: string): Promise<{ openOrders: number; lastOrderChangeAt: string | null; lastRecordAt: string | null }>;
  refusedLastDay(facilityId: string): Promise<number>;
  /** Every facility a key or a document names (for a key of every facility). */
  allFacilities(): Promise<string[]>;
}

/** Facilities read side by side at most (each is a handful of small reads). */
const OVERVIEW_CONCURRENCY = 8;

/**
 * `GET /facilities`: every facility the key covers with the health of its pollers, its
 * subscriptions and its inputs. Per facility: its counters (kept by the stream), its pollers
 * (O(pollers) + a capped count each) and its refusals' per-minute counts; nothing that grows
 * with orders or records.
 */
export async function facilitiesOverview(ports: OverviewPorts, covered: readonly string[], settings: ViewSettings, now = Date.now()) {
  const ids = covered.includes('*') ? await ports.allFacilities() : [...new Set(covered)];
  const sorted = [...new Set(ids)].sort();
  const out = [];
  for (let i = 0; i < sorted.length; i += OVERVIEW_CONCURRENCY) {
    out.push(...(await Promise.all(sorted.slice(i, i + OVERVIEW_CONCURRENCY).map((f) => facilityHealth(ports, f, settings, now)))));
  }
  return { facilities: out };
}

async function facilityHealth(ports: OverviewPorts, facilityId: string, settings: ViewSettings, now: number) {
  const [figures, view, refused] = await Promise.all([
    ports.figures(facilityId),
    readPollers(ports, facilityId, settings, now),
    ports.refusedLastDay(facilityId),
  ]);
  const pollers = { live: 0, behind: 0, silent: 0 };
  for (const p of view.pollers) pollers[p.state]++;
  return {
    facilityId,
    pollers,
    openOrders: figures.openOrders,
    lastOrderChangeAt: figures.lastOrderChangeAt,
    lastRecordAt: figures.lastRecordAt,
    subscriptions: {
      active: view.subscriptions.filter((s) => s.status === 'active').length,
      disabled: view.subscriptions.filter((s) => s.status === 'disabled').length,
      failedDeliveries: view.subscriptions.reduce((n, s) => n + s.failedDeliveries, 0),
    },
    refusedLast24h: refused,
  };
}

/**
 * How many pollers of these facilities are silent now (the alarm's metric, published by the
 * scheduled function pollerWatch): one Query per facility on the pollers index and the keys'
 * revocation, no backlog counts. Revoked keys are left out, as the pollers route leaves them.
 */
export async function countSilentPollers(
  ports: Pick<OverviewPorts, 'store' | 'allFacilities'>,
  silentAfterMs: number,
  now = Date.now(),
): Promise<number> {
  let silent = 0;
  for (const facilityId of [...new Set(await ports.allFacilities())]) {
    const pollers = await ports.store.pollersOf(facilityId);
    if (pollers.length === 0) continue;
    const keys = await ports.store.keyInfo([...new Set(pollers.map((p) => p.keyId))]);
    for (const p of pollers) {
      const key = keys.get(p.keyId);
      const lastPollAt = p.lastPollAt ?? Date.parse(positionTime(p.position) ?? new Date(0).toISOString());
      if (key && !key.revoked && pollerHealth({ lastPollAt, oldestUnservedAt: null, now, silentAfterMs }) === 'silent') silent++;
    }
  }
  return silent;
}
