import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const driverImports = ['better-sqlite3', 'pg', 'kysely', 'fastify', '@fastify/*', 'pino'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', '.bench/**', '.screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The dashboard runs in the browser and talks to /v1 only: nothing of the server's code.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/src/*', '../../*'], message: 'web/ reaches the server through /v1 only.' }] }],
    },
  },
  {
    // The domain knows no HTTP framework, no query builder and no driver.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: driverImports, message: 'core/ is framework- and driver-free; depend on a port in core/ports.ts.' },
          { group: ['**/store/**', '**/http/**', '**/jobs/**', '**/cli/**'], message: 'core/ depends on nothing but itself.' },
        ],
      }],
    },
  },
  {
    // SQL lives in store/ only.
    files: ['src/http/**/*.ts', 'src/cli/**/*.ts', 'src/jobs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['better-sqlite3', 'pg', 'kysely'], message: 'Queries belong in src/store/.' }],
      }],
    },
  },
  {
    // Migrations are frozen in time: they never import the living code.
    files: ['src/store/migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '!./*'], message: 'A migration imports nothing from src/.' }],
      }],
    },
  },
);
