/**
 * `npm run temporal:register-search-attributes`: registers Baton's search attributes in the namespace the
 * orchestrator uses, with the orchestrator's own connection settings (TEMPORAL_* variables, secrets, profile).
 * Run it once per namespace of a self-hosted cluster (the Helm chart's Job runs it); it is idempotent.
 */
import { connectWorkerConnection } from './connect.ts';
import { loadTemporalConnectSettings } from './connect-settings.ts';
import { registerSearchAttributes } from './search-attributes.ts';

try {
  const settings = loadTemporalConnectSettings();
  console.log(`baton: registering search attributes with ${settings.summary}`);
  const connection = await connectWorkerConnection(settings);
  try {
    const { added, present } = await registerSearchAttributes(connection, settings.namespace);
    console.log(
      `baton: search attributes added: ${added.join(', ') || 'none'}; already there: ${present.join(', ') || 'none'}`,
    );
  } finally {
    await connection.close();
  }
} catch (error) {
  console.error(`baton: ${(error as Error).message}`);
  process.exitCode = 1;
}
