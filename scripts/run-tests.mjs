#!/usr/bin/env node
// Runs every *.test.ts under test/ and src/ with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [substring filters...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = ['test', 'src'].flatMap((d) => walk(join(root, d), [])).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The full run builds dist/ once (so the dashboard's browser tests never load a stale build) and lets the tests start the compiled CLI (test/helpers/cli.ts):
// a tsx start costs about 2 s against 0.7 s, and the CLI tests start it a few dozen times.
// A filtered run keeps tsx, so that a quick run of one file needs no build.
const env = { ...process.env, NODE_ENV: 'test' };
if (filters.length === 0 && env.LETHE_TEST_CLI === undefined) {
  // `npm run build`: the server (tsc) and the dashboard (vite), which the browser tests load from dist/web.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  env.LETHE_TEST_CLI = 'dist';
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
