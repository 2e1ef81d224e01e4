import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKysoError } from '@kyso/core';
import { loadServerConfig } from './server-config.ts';

test('defaults: SQLite in ./kyso-data on 127.0.0.1:8080, demo on, B-T', () => {
  const c = loadServerConfig({ env: {} });
  assert.match(c.dataDir, /kyso-data$/);
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.db, undefined);
  assert.equal(c.demo, true);
  assert.equal(c.defaultLevel, 'B-T');
});

test('precedence: file < environment < command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-cfg-'));
  try {
    writeFileSync(join(dir, 'kyso.config.json'), JSON.stringify({ port: 9000, host: '0.0.0.0', maxUploadBytes: 2048 }));
    const c = loadServerConfig({ cli: { dataDir: dir, port: 9100 }, env: { KYSO_HOST: '127.0.0.2', KYSO_PORT: '9050' } });
    assert.equal(c.port, 9100);
    assert.equal(c.host, '127.0.0.2');
    assert.equal(c.maxUploadBytes, 2048);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('every problem is listed at once, and secrets may not sit in the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-cfg-'));
  try {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 70000, publicUrl: 'ftp://x', caPassphrase: 'in the file!', colour: 'red', hsm: { module: '/m.so', token: 't', pinEnv: 'KYSO_TEST_NO_SUCH_PIN' } }));
    let err: unknown;
    try { loadServerConfig({ cli: { dataDir: dir }, env: { KYSO_PORT: 'eighty' }, configFile: file }); } catch (e) { err = e; }
    assert.ok(isKysoError(err, 'invalid-argument'));
    const problems = (err as { details: string[] }).details;
    const text = problems.join('\n');
    assert.match(text, /caPassphrase must not be in the config file/);
    assert.match(text, /^port:/m);
    assert.match(text, /publicUrl/);
    assert.match(text, /colour|Unrecognized/i);
    assert.ok(problems.length >= 4, text);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a config file that is not JSON is a listed problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kyso-cfg-'));
  try {
    writeFileSync(join(dir, 'kyso.config.json'), '{ port: 1');
    assert.throws(() => loadServerConfig({ cli: { dataDir: dir }, env: {} }), /kyso\.config\.json: .*JSON/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('an HSM whose PIN variable is unset is refused', () => {
  assert.throws(() => loadServerConfig({ cli: { hsm: { module: '/usr/lib/softhsm/libsofthsm2.so', token: 'kyso', pinEnv: 'KYSO_HSM_PIN' } }, env: {} }), /KYSO_HSM_PIN is not set/);
  const c = loadServerConfig({ cli: { hsm: { module: '/usr/lib/softhsm/libsofthsm2.so', token: 'kyso', pinEnv: 'KYSO_HSM_PIN' } }, env: { KYSO_HSM_PIN: '1234' } });
  assert.equal(c.hsm?.token, 'kyso');
});
