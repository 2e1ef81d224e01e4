import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../services/test-ca.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

for (const dialect of DIALECTS) {
  describe(`server basics (${dialect})`, () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(dialect); });
    after(async () => { await s?.close(); });

    test('health, login, me, CSRF, logout', async () => {
      const anon = s.anonymous();
      assert.equal((await anon.get('/api/v1/health')).json.status, 'ok');
      assert.equal((await anon.get('/api/v1/auth/me')).status, 401);
      const c = await s.as('snv.leader');
      const me = await c.get('/api/v1/auth/me');
      assert.equal(me.status, 200);
      assert.deepEqual(me.json.user.roles, ['leader']);
      // Unsafe method without the CSRF header → 403, session kept.
      const noCsrf = await c.request('POST', '/api/v1/auth/logout', { csrf: false });
      assert.equal(noCsrf.status, 403);
      assert.match(noCsrf.json.title, /CSRF/);
      assert.equal((await c.post('/api/v1/auth/logout')).status, 200);
      const after = await c.get('/api/v1/auth/me');
      assert.equal(after.status, 401);
      assert.match(after.json.title, /expired/);
    });

    test('wrong password, lockout with a clear message', async () => {
      const anon = s.anonymous();
      for (let i = 0; i < 4; i++) assert.equal((await anon.post('/api/v1/auth/login', { username: 'stc.officer', password: 'wrong-password!' })).status, 401);
      const fifth = await anon.post('/api/v1/auth/login', { username: 'stc.officer', password: 'wrong-password!' });
      assert.equal(fifth.status, 401);
      const locked = await anon.post('/api/v1/auth/login', { username: 'stc.officer', password: 'pw-stc.officer-0123456789' });
      assert.equal(locked.status, 429);
      assert.match(locked.json.title, /locked/);
      assert.ok(locked.headers.get('retry-after'));
      s.clock.set(new Date(s.clock.now().getTime() + 16 * 60_000).toISOString());
      assert.equal((await anon.post('/api/v1/auth/login', { username: 'stc.officer', password: 'pw-stc.officer-0123456789' })).status, 200);
    });

    test('bad JSON and unknown fields are clear 400s; OpenAPI served', async () => {
      const anon = s.anonymous();
      const bad = await anon.request('POST', '/api/v1/auth/login', { body: new TextEncoder().encode('{nope'), type: 'application/json' });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const extra = await anon.post('/api/v1/auth/login', { username: 'a', password: 'b', admin: true });
      assert.equal(extra.status, 400);
      assert.ok(Array.isArray(extra.json.errors));
      const doc = await anon.get('/api/docs');
      assert.equal(doc.json.openapi, '3.1.0');
      assert.ok(doc.json.paths['/api/v1/auth/login'].post);
    });
  });
}
