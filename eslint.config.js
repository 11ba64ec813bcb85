import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', '.artifacts/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no wall clock or randomness of its own.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'use sleep() or condition() from @temporalio/workflow' }],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'workflows must be deterministic; take randomness from an activity' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '../activities/*', '../worker/*', '../client/*', '../runtime/*', '../local-temporal/*'],
              message: 'workflows and domain stay free of I/O and never reach their callers or their process',
            },
          ],
        },
      ],
    },
  },
  {
    // domain/ knows no engine: pure types and decisions that any process (or a workflow) can use.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                '@temporalio/*',
                '../activities/*',
                '../worker/*',
                '../client/*',
                '../runtime/*',
                '../workflows/*',
                '../local-temporal/*',
              ],
              message: 'domain/ is pure: no engine, no I/O, no other layer',
            },
          ],
        },
      ],
    },
  },
  {
    // Activities do the I/O for a workflow; they never reach the client, the workflow or the worker process.
    files: ['activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../client/*', '../../client/*', '../workflows/*', '../../workflows/*', '../worker/*', '../../worker/*'],
              message: 'activities never reach the client, the workflow or the worker process; shared pieces live in runtime/ or domain/',
            },
          ],
        },
      ],
    },
  },
  {
    // The client library and the HTTP API never reach the worker or the providers; the CLI may start a worker.
    files: ['client/**/*.ts'],
    ignores: ['client/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../worker/*',
                '../../worker/*',
                '../../../worker/*',
                '../activities/*',
                '../../activities/*',
                '../../../activities/*',
              ],
              message: 'the client library and the API never reach the worker or the providers; shared pieces live in runtime/ or domain/',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
