/**
 * Zod, loaded once per workflow thread and shared by every run the thread hosts (the worker's
 * `bundlerOptions.preloadModules`, functions/baton/workflow-code.ts). Otherwise each run evaluates zod again when
 * the worker creates it: a third of that cost in the load bench's profile. The SDK deep-freezes what it shares, so
 * this module builds one schema first: that sets zod's default locale and memoizer, which the first schema of a run
 * would otherwise try to set on the frozen configuration. Schemas themselves are not shared: zod adds members to a
 * schema on first use, which a frozen one refuses.
 */
import * as z from 'zod';

z.object({ preloaded: z.string() });

/** Referenced so the bundler keeps zod whole in the preloaded module. */
export const sharedZod = z;
