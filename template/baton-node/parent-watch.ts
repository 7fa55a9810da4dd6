/**
 * Exits when the watchdog that started this wrapper dies, so a killed replica never leaves an orphan
 * holding a port. Polling is the portable way: Node has no parent-death signal.
 */
export function exitWhenParentDies(intervalMs = 1000): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, intervalMs);
  timer.unref();
}
