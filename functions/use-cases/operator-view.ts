/**
 * The operator view's pollers: every poller (key × kind) of a facility with its last poll, its
 * position, its backlog (one capped count each) and its state, and every webhook subscription
 * there with its own. Reading it costs O(pollers + subscriptions) plus one capped Query each,
 * never a scan: the pollers are listed from an index the poll itself keeps.
 */
import { lagSeconds, type PollerHealth, pollerHealth, positionTime, subscriptionHealth } from '../domain/operator-view.ts';
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

/** The pollers' states only (the facilities overview counts them). */
export async function pollerStates(ports: OperatorPorts, facilityId: string, settings: ViewSettings, now = Date.now()) {
  const { pollers, subscriptions } = await readPollers(ports, facilityId, settings, now);
  return { pollers: pollers.map((p) => p.state as PollerHealth), subscriptions };
}
