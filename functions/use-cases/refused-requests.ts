/**
 * The activity log's reads: a page of a facility's refused requests, newest first, with the
 * names of the keys that sent them, and how many the per-minute sample left out (counted, not kept).
 */
import { activityCursor, openActivityCursor, pageLimit, type RefusedRequest, sampledOut } from '../domain/refusals.ts';
import type { KeyInfo } from '../store/operator-store.ts';

export interface ActivityPorts {
  page(
    facilityId: string,
    options: { limit: number; after?: string | undefined },
  ): Promise<{ entries: (RefusedRequest & { sk: string })[]; more: boolean }>;
  counts(facilityId: string, sinceMs: number): Promise<{ minute: string; n: number }[]>;
  keyInfo(keyIds: readonly string[]): Promise<Map<string, KeyInfo>>;
}

const DAY_MS = 86_400_000;

/** Refused in the last 24 hours, kept or not, and of those how many the sample left out. */
export async function refusedLastDay(ports: Pick<ActivityPorts, 'counts'>, facilityId: string, perMinute: number, now = Date.now()) {
  const counts = await ports.counts(facilityId, now - DAY_MS);
  return {
    refused: counts.reduce((sum, c) => sum + c.n, 0),
    sampledOut: counts.reduce((sum, c) => sum + sampledOut(c.n, perMinute), 0),
  };
}

/** `GET /facility/{f}/activity`: a page of refused requests. */
export async function readActivity(
  ports: ActivityPorts,
  facilityId: string,
  query: { limit?: string | undefined; cursor?: string | undefined },
  perMinute: number,
  now = Date.now(),
) {
  const limit = pageLimit(query.limit, 50);
  const after = query.cursor === undefined ? undefined : openActivityCursor(query.cursor);
  const [page, day] = await Promise.all([ports.page(facilityId, { limit, after }), refusedLastDay(ports, facilityId, perMinute, now)]);
  const keys = await ports.keyInfo([...new Set(page.entries.map((e) => e.keyId).filter((k): k is string => k !== null))]);
  const last = page.entries.at(-1);
  return {
    events: page.entries.map(({ sk: _, ...e }) => ({
      at: e.at,
      requestId: e.requestId,
      keyId: e.keyId,
      keyName: e.keyId === null ? null : (keys.get(e.keyId)?.name ?? null),
      method: e.method,
      route: e.route,
      status: e.status,
      problem: e.problem,
    })),
    sampledOut: day.sampledOut,
    next: page.more && last ? activityCursor(last.sk) : null,
  };
}
