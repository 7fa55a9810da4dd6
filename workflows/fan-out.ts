/**
 * Fan-out with a concurrency limit, for workflow code: at most `limit` calls run at once, results keep the items'
 * order. Deterministic under replay: which call starts next depends only on completions, which Temporal replays
 * in their recorded order.
 */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  call: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await call(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
