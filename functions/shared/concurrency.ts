/** Bounded concurrency for fan-out reads and sends. */

/**
 * Runs `run` on every item, at most `limit` at a time (the next item starts as one ends), and
 * answers the results in the items' order. The first failure rejects the whole, as
 * Promise.all does; items already started still run to their end.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
