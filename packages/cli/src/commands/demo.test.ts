/** `kyso demo` (what `npm start` runs): a demo CA with a seal and an official certificate, idempotent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../main.ts';

test('kyso demo builds a demo province CA once and reuses it', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kyso-demo-')), 'data');
  try {
    let out = '';
    const sink = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { out += s; } };
    assert.equal(await main(['demo', '--dir', dir], sink), 0, out);
    assert.match(out, /created demo CA/);
    assert.equal(statSync(join(dir, 'demo-secrets.json')).mode & 0o777, 0o600);
    const secrets = JSON.parse(readFileSync(join(dir, 'demo-secrets.json'), 'utf8')) as { p12Password: string };
    for (const name of ['seal', 'official']) {
      const v = spawnSync('openssl', ['verify', '-x509_strict', '-purpose', 'smimesign', '-CAfile', join(dir, 'ca-chain.pem'), join(dir, 'demo', `${name}.crt.pem`)], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const p12 = spawnSync('openssl', ['pkcs12', '-in', join(dir, 'demo', `${name}.p12`), '-noout', '-passin', `pass:${secrets.p12Password}`], { encoding: 'utf8' });
      assert.equal(p12.status, 0, p12.stderr);
    }
    out = '';
    assert.equal(await main(['demo', '--dir', dir], sink), 0, out);
    assert.match(out, /already present/);
    assert.match(out, /seal: .* \(exists\)/);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
