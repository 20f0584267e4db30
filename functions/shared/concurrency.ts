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

/**
 * Coalesces the calls made within one turn of the event loop into calls of `many` (at most `max`
 * keys each), which answers one result per key in the keys' order: `one(key)` answers its own.
 * A failure of `many` rejects every call it carried.
 */
export function coalesced<K, R>(many: (keys: K[]) => Promise<R[]>, max = 100): (key: K) => Promise<R> {
  let queue: { key: K; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    const waiting = queue;
    queue = [];
    for (let i = 0; i < waiting.length; i += max) {
      const part = waiting.slice(i, i + max);
      many(part.map((w) => w.key)).then(
        (results) => {
          for (const [j, w] of part.entries()) w.resolve(results[j]!);
        },
        (e: unknown) => {
          for (const w of part) w.reject(e);
        },
      );
    }
  };
  return (key) =>
    new Promise<R>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ key, resolve, reject });
    });
}
