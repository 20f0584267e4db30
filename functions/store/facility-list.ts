/** Every facility a key or a document names (the overview of a `*` key, the silent-poller count). */
import { listApiKeys } from './api-key-store.ts';
import { listedFacilities } from './facility-stats-store.ts';

export async function allFacilities(): Promise<string[]> {
  const [listed, keys] = await Promise.all([listedFacilities(), listApiKeys()]);
  return [...new Set([...listed, ...keys.filter((k) => !k.revokedAt).flatMap((k) => k.facilities.filter((f) => f !== '*'))])];
}
