import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isKysoError } from '@kyso/core';
import { DIALECTS } from './test-ca.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { issueCredential, openCredential, PIN_ATTEMPTS } from './credentials.ts';

for (const dialect of DIALECTS) {
  describe(`signing credentials (${dialect})`, () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(dialect); });
    after(async () => { await s?.close(); });

    test('a PIN key refuses after too many wrong PINs, also the right one, until the window passes', async () => {
      const agencyId = s.seed.agencies['000.02.00.H99']!;
      const userId = s.seed.users['stc.leader']!.id;
      const { keyId } = await issueCredential(s.ctx, { kind: 'official', agencyId, userId, state: 'active' });
      await s.ctx.keys.setPin(keyId, '192837');
      const open = (pin: string) => openCredential(s.ctx, { kind: 'official', agencyId, userId, pin });
      assert.ok((await open('192837')).signer.publicKey.length > 0);
      for (let i = 0; i < PIN_ATTEMPTS; i++) await assert.rejects(open('000000'), (e) => isKysoError(e, 'auth') && /wrong PIN/.test(e.message));
      await assert.rejects(open('192837'), (e) => isKysoError(e, 'rate-limited') && /too many wrong PINs/.test(e.message));
      s.clock.set(new Date(s.clock.now().getTime() + 16 * 60_000).toISOString());
      assert.ok((await open('192837')).signer);
      // Without a PIN the key does not open at all (and that is not counted as a guess).
      await assert.rejects(openCredential(s.ctx, { kind: 'official', agencyId, userId }), (e) => isKysoError(e, 'auth') && /needs its PIN/.test(e.message));
    });
  });
}
