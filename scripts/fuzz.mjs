#!/usr/bin/env node
// The fuzz of every surface at scale (issue 19): thousands of malformed, huge, nested and
// NUL-bearing requests per surface, on SQLite and on PostgreSQL when TEST_DATABASE_URL is set.
// Usage: npm run fuzz [-- --requests N] [--seed N]   (defaults: 3000 per surface, seed 19)
// The same test runs small (300 per surface) in `npm test`.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const env = {
  ...process.env,
  FUZZ_REQUESTS: option('requests', process.env.FUZZ_REQUESTS ?? '3000'),
  FUZZ_SEED: option('seed', process.env.FUZZ_SEED ?? '19'),
  FUZZ_HUGE: '1',
};
const result = spawnSync(process.execPath, [new URL('./run-tests.mjs', import.meta.url).pathname, 'test/hardening/fuzz.test.ts'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
