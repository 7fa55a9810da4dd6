/** One line a replica wrote to stdout or stderr (or the supervisor wrote about it). */
export interface LogLine {
  /** Function name. */
  name: string;
  /** Replica id, e.g. `train-k3x9q`. */
  instance: string;
  timestamp: Date;
  text: string;
}

/** Which lines to return: those of `name` (and `instance`) at or after `since`, the last `tail` of them (≤ 0: all). */
export interface LogQuery {
  name: string;
  instance?: string;
  since?: Date;
  tail?: number;
}

/** Per function, the last `capacity` log lines of all its replicas, and live subscribers to new lines. */
export class LogStore {
  private readonly lines = new Map<string, LogLine[]>();
  private readonly listeners = new Map<string, Set<(line: LogLine) => void>>();

  constructor(readonly capacity = 2000) {}

  /** Keeps a line (dropping the function's oldest beyond `capacity`) and hands it to the subscribers. */
  append(name: string, instance: string, text: string, timestamp = new Date()): void {
    const line = { name, instance, timestamp, text };
    const kept = this.lines.get(name) ?? [];
    kept.push(line);
    if (kept.length > this.capacity) kept.shift();
    this.lines.set(name, kept);
    for (const listener of this.listeners.get(name) ?? []) listener(line);
  }

  /** The kept lines matching `query`, oldest first. */
  query({ name, instance, since, tail = 0 }: LogQuery): LogLine[] {
    const matching = (this.lines.get(name) ?? []).filter((line) => matches(line, instance, since));
    return tail > 0 ? matching.slice(-tail) : matching;
  }

  /** Calls `listener` with each new line of `name` (and `instance`); returns the unsubscribe function. */
  subscribe(name: string, listener: (line: LogLine) => void, instance?: string): () => void {
    const filtered = (line: LogLine) => {
      if (matches(line, instance, undefined)) listener(line);
    };
    const set = this.listeners.get(name) ?? new Set();
    set.add(filtered);
    this.listeners.set(name, set);
    return () => set.delete(filtered);
  }
}

function matches(line: LogLine, instance: string | undefined, since: Date | undefined): boolean {
  return (instance === undefined || line.instance === instance) && (since === undefined || line.timestamp >= since);
}
