// Lint is part of `npm test`. Its main job beyond style: keep workflows deterministic.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that do I/O or read clocks/randomness outside Temporal's APIs. */
const nonDeterministicModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'http',
  'https',
  'net',
  'child_process',
  'crypto',
  'timers',
  'timers/*',
  'undici',
  'minio',
  'hono',
  '@hono/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', '.baton/**', 'template/**/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'scaler/workflow/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: nonDeterministicModules,
              message: 'Workflows must be deterministic: no I/O modules. Do the work in an activity.',
            },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Import activities as types only (`import type`).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No I/O in workflows: call an activity.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'process', message: 'Workflows must not read the environment.' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Math.random is replaced in workflows; use uuid4() from @temporalio/workflow if you mean it.',
        },
        {
          object: 'z',
          property: 'config',
          message:
            "zod is shared, frozen, by a workflow thread's runs (workflows/shared-zod.ts): configure it outside workflows.",
        },
      ],
    },
  },
);
