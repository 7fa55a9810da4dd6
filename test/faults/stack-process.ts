/**
 * A whole stack in a process of its own, so a fault test can SIGKILL its supervisor and gateway: `node --import tsx
 * test/faults/stack-process.ts <dataDir> <portsJson> [<functionEnvJson>]` starts the repository's functions and pipelines on that data
 * folder and those fixed ports (a stack started again after a kill listens where the clients already point), prints
 * `ready`, and runs until killed; SIGTERM stops it cleanly. Verbose lines go to stderr with BATON_TEST_VERBOSE=1.
 */
import { repoRoot, type StackPorts } from '../../deploy/local/stack-config.ts';
import { startTestStack } from '../support/test-stack.ts';
import { FUNCTION_KINDS } from './kill.ts';

const [dataDir, portsJson, functionEnvJson = '{}'] = process.argv.slice(2);
if (!dataDir || !portsJson) throw new Error('usage: stack-process.ts <dataDir> <portsJson>');
const ports = JSON.parse(portsJson) as StackPorts;
const stack = await startTestStack({
  dataDir,
  ports,
  functionEnv: JSON.parse(functionEnvJson) as Record<string, string>,
  // The repository as it is (its stack.yml and workflows, no fixtures): the orchestrator may then load prebuilt
  // workflow bundles (BATON_WORKFLOW_BUNDLE_DIR), which exclude a workflows folder.
  repoRoot,
  // Only what the demo and the resumable pipeline call: fewer replicas, a faster start after each supervisor kill.
  functions: [...FUNCTION_KINDS],
  say: (line) => console.error(line),
});
process.once('SIGTERM', () => {
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`stop failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
});
console.log('ready');
setInterval(() => {}, 60_000);
