#!/usr/bin/env node
// Runs every *.test.ts under packages/ with node's built-in test runner (through tsx).
// Usage: node scripts/run-tests.mjs [substring-filter…]
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('packages', []).sort().filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.KYSO_TEST_CONCURRENCY ?? '2';
const tap = join(mkdtempSync(join(tmpdir(), 'kyso-test-')), 'result.tap');
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } });
// One plain closing line, whatever the reporter above printed.
const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (k) => Number(summary.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
console.log(`\ntests: ${count('pass')} passed, ${count('fail') + count('cancelled')} failed, ${count('skipped')} skipped`);
process.exit(r.status ?? 1);
