/** Progress lines while the benchmarks run: time since start, which benchmark, what it does. */
const started = performance.now();

/** Prints one progress line, e.g. `[  12.3 s] overhead   round 4/30 …`. */
export function say(tag: string, message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds} s] ${tag.padEnd(10)} ${message}`);
}

/** A `say` bound to one tag. */
export function sayFor(tag: string): (message: string) => void {
  return (message) => say(tag, message);
}
