#!/usr/bin/env node
// The `baton` bin: loads tsx from this package (so it works from any directory), then runs the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
await import('./baton.ts');
