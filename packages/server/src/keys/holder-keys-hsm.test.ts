/**
 * Holder keys in an HSM (config `hsm`): the official's key is generated inside a SoftHSM2 token
 * (non-extractable), the certificate issued for it, and a document signed over HTTP with it —
 * approved with a passkey, since a token key takes no personal PIN (the token's PIN guards it).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKysoError } from '@kyso/core';
import { makeSimplePdf } from '@kyso/testkit';
import { verifyPdf } from '@kyso/core/pdf/validation/verify-pdf.ts';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const skip = existsSync(MODULE) ? false : 'SoftHSM2 is not installed';
const TOKEN = 'kyso-holders';
const PIN = '975310';

// SoftHSM reads SOFTHSM2_CONF when the module loads: set it first.
const dir = mkdtempSync(join(tmpdir(), 'kyso-hsm-holders-'));
mkdirSync(join(dir, 'tokens'));
writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');

const { startTestServer } = await import('../testing/test-server.ts');
const { issueCredential, openCredential } = await import('../services/credentials.ts');
const { SoftAuthenticator } = await import('../testing/soft-authenticator.ts');
const { nodeCrypto } = await import('../crypto/node-crypto.ts');
type TestServer = Awaited<ReturnType<typeof startTestServer>>;

describe('holder keys in a PKCS#11 token (SoftHSM2)', { skip }, () => {
  let s: TestServer;
  before(async () => {
    const r = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', '12345678', '--pin', PIN], { encoding: 'utf8', env: process.env });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    s = await startTestServer('sqlite', { config: { hsm: { module: MODULE, token: TOKEN, pinEnv: 'KYSO_TEST_HSM_PIN' } }, env: { KYSO_TEST_HSM_PIN: PIN } });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('generated in the token, never exported; signs a document over HTTP with a passkey approval', async () => {
    assert.equal(s.ctx.keys.storage, 'hsm');
    const agencyId = s.seed.agencies['000.01.00.H99']!;
    const userId = s.seed.users['snv.leader']!.id;
    const { keyId } = await issueCredential(s.ctx, { kind: 'official', agencyId, userId, state: 'active' });
    const row = await s.ctx.db.kysely.selectFrom('keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
    assert.equal(row.kind, 'pkcs11');
    assert.equal(row.encrypted_pem, null, 'no key material outside the token');
    // The token key takes no personal PIN.
    await assert.rejects(s.ctx.keys.setPin(keyId, '123456'), (e) => isKysoError(e, 'invalid-argument') && /HSM/.test(e.message));
    const cred = await openCredential(s.ctx, { kind: 'official', agencyId, userId });
    assert.equal(cred.row.key_id, keyId);

    const leader = await s.as('snv.leader');
    const auth = new SoftAuthenticator();
    const reg = (await leader.post('/api/v1/auth/passkeys/register/options')).json;
    assert.equal((await leader.post('/api/v1/auth/passkeys/register/verify', { challengeId: reg.challengeId, response: auth.register(reg.options, s.base), name: 'phone' })).status, 201);
    const officer = await s.as('snv.officer');
    const doc = (await officer.request('POST', '/api/v1/documents?title=HSM&series=CV', { body: makeSimplePdf() })).json.document;
    const approval = (await leader.post('/api/v1/approvals/options', { action: 'sign', documentIds: [doc.id] })).json;
    const signed = await leader.post('/api/v1/documents/sign', { documentIds: [doc.id], approval: { challengeId: approval.challengeId, response: auth.assert(approval.options, s.base) } });
    assert.equal(signed.status, 200, signed.text);
    assert.equal(signed.json.results[0].ok, true, signed.text);
    const pdf = (await officer.get(`/api/v1/documents/${doc.id}/pdf`)).bytes;
    const report = await verifyPdf(pdf, { trustAnchors: [(await s.ctx.ca.caCertificate('root')).der], crypto: nodeCrypto, clock: s.ctx.clock, revocation: 'none' });
    assert.equal(report.signatures.length, 1);
    assert.equal(report.signatures[0]!.integrity.signatureValid, true);
    assert.equal(report.signatures[0]!.signer?.serialHex, cred.row.serial);
  });
});
