/**
 * Dependency rules (ARCHITECTURE.md), checked in CI so they cannot rot:
 * - core imports no I/O (fs, net, http, child_process, worker_threads…), no node:crypto, no
 *   database or HTTP library, reads no environment and no system clock, and nothing internal;
 * - testkit may import core; server imports core (not cli); cli imports server and core;
 * - no package imports another's files by relative path.
 * Test files (*.test.ts) and test helpers named test-*.ts are exempt from the purity rules of core,
 * not from the package direction.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ALLOWED: Record<string, string[]> = { core: [], testkit: ['core'], server: ['core'], cli: ['core', 'server'] };
const CORE_FORBIDDEN_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|tls|child_process|cluster|worker_threads|os|crypto|process|readline|vm)$|^(better-sqlite3|pg|kysely|fastify|pino|pkcs11js|graphene-pk11|zod)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const problems: string[] = [];
for (const pkg of Object.keys(ALLOWED)) {
  for (const file of walk(join('packages', pkg, 'src'))) {
    const isTest = /\.test\.ts$|\/test-[^/]*\.ts$/.test(file);
    const src = readFileSync(file, 'utf8');
    const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
    for (const spec of specs) {
      const m = /^@kyso\/([a-z]+)/.exec(spec);
      if (m && m[1] !== pkg && !ALLOWED[pkg]!.includes(m[1]!) && !(isTest && m[1] === 'testkit') && !(isTest && pkg === 'core' && m[1] === 'server')) {
        problems.push(`${file}: ${pkg} must not import @kyso/${m[1]}`);
      }
      if (spec.startsWith('.') && relative(join('packages', pkg), join(file, '..', spec)).startsWith('..')) {
        if (!isTest) problems.push(`${file}: relative import ${spec} leaves package ${pkg}`);
      }
      if (pkg === 'core' && !isTest && CORE_FORBIDDEN_MODULES.test(spec)) problems.push(`${file}: core must not import ${spec} (I/O, crypto and storage come in through ports)`);
    }
    if (pkg === 'core' && !isTest) {
      const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/\bprocess\.env\b/.test(code)) problems.push(`${file}: core must not read the environment`);
      if (/\bDate\.now\(\)|new Date\(\s*\)/.test(code)) problems.push(`${file}: core must not read the system clock (use the Clock port)`);
      if (/\brequire\(/.test(code)) problems.push(`${file}: core uses require()`);
    }
  }
}
if (problems.length) {
  console.error(`dependency rules: ${problems.length} violation(s)\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('dependency rules: OK');
