/**
 * The operator view's judgements, pure: how healthy a poller or a webhook subscription is from
 * when it last polled and how old the oldest change it has not been served is, and the times a
 * stream position stands for. `now` and the threshold (POLLER_SILENT_AFTER) are passed in.
 */

/** live: polling and keeping up; behind: polling but its oldest unserved change is old; silent: not polling. */
export type PollerHealth = 'live' | 'behind' | 'silent';
/** A subscription: disabled; failing (its endpoint fails, retries run); behind; live. */
export type SubscriptionHealth = 'live' | 'behind' | 'failing' | 'disabled';

/** Seconds since the oldest unserved change (0 when none waits; never negative for a clock a little ahead). */
export const lagSeconds = (oldestUnservedAt: number | null, now: number): number =>
  oldestUnservedAt === null ? 0 : Math.max(0, Math.floor((now - oldestUnservedAt) / 1000));

/**
 * A poller's state (API.md): `silent` when its last poll is older than `silentAfterMs`, else
 * `behind` when its oldest unserved change is older than that, else `live`.
 */
export function pollerHealth(input: {
  lastPollAt: number;
  oldestUnservedAt: number | null;
  now: number;
  silentAfterMs: number;
}): PollerHealth {
  if (input.now - input.lastPollAt > input.silentAfterMs) return 'silent';
  if (input.oldestUnservedAt !== null && input.now - input.oldestUnservedAt > input.silentAfterMs) return 'behind';
  return 'live';
}

/** A subscription's state: a push consumer has no polls, so it is judged by its status, its failures and its lag. */
export function subscriptionHealth(input: {
  status: 'active' | 'disabled';
  failingSince: number | null;
  oldestUnservedAt: number | null;
  now: number;
  silentAfterMs: number;
}): SubscriptionHealth {
  if (input.status === 'disabled') return 'disabled';
  if (input.failingSince !== null) return 'failing';
  if (input.oldestUnservedAt !== null && input.now - input.oldestUnservedAt > input.silentAfterMs) return 'behind';
  return 'live';
}

const POSITION_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/;

/** The hub time a stream position stands for (its ISO prefix), or null (the start of the stream). */
export function positionTime(position: string): string | null {
  const m = POSITION_TIME.exec(position);
  return m ? m[0] : null;
}

/** Counts of pollers by state (the facilities overview). */
export function countByHealth(states: readonly PollerHealth[]): Record<PollerHealth, number> {
  const out = { live: 0, behind: 0, silent: 0 };
  for (const s of states) out[s]++;
  return out;
}
