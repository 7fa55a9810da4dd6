/** A seeded pseudo-random generator for the fault tests: the same seed replays the same kill schedule. */

/** The seed of this run: BATON_FAULT_SEED when set (to replay a failure), else a random one. */
export function faultSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.BATON_FAULT_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`BATON_FAULT_SEED must be a non-negative integer (the seed a failed run printed), not "${given}"`);
  return seed;
}

/** Numbers in [0, 1) from `seed` (mulberry32: small, fast, good enough to place kills). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The items of `list` in a random order drawn from `random`. */
export function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
