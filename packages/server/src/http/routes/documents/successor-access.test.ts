/**
 * Records follow the agency that took over: after a commune is merged into another agency, the
 * successor's people read the merged commune's documents; nobody else does, and the successor does
 * not sign them under its own name.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeSimplePdf } from '@kyso/testkit';
import { DIALECTS } from '../../../services/test-ca.ts';
import { startTestServer, type TestServer } from '../../../testing/test-server.ts';

for (const dialect of DIALECTS) {
  describe(`documents after a merger (${dialect})`, () => {
    let s: TestServer;
    before(async () => { s = await startTestServer(dialect); });
    after(async () => { await s?.close(); });

    test('the successor reads the merged agency\'s documents; others still cannot', async () => {
      const xaOfficer = await s.as('xa.officer');
      const doc = (await xaOfficer.request('POST', '/api/v1/documents?title=Biên bản xã&series=BB', { body: makeSimplePdf() })).json.document;
      assert.ok(doc?.id);
      const huyen = await s.as('huyen.officer');
      assert.equal((await huyen.get(`/api/v1/documents/${doc.id}`)).status, 404, 'before the merger: another agency\'s');

      s.clock.set(new Date(s.clock.now().getTime() + 60_000).toISOString());
      const admin = await s.as('sysadmin');
      const merged = await admin.post('/api/v1/agencies/merge', { sourceIds: [s.seed.agencies['000.11.01.H99']], targetId: s.seed.agencies['000.00.11.H99'], effectiveFrom: s.clock.now().toISOString() });
      assert.equal(merged.status, 200, merged.text);

      assert.equal((await huyen.get(`/api/v1/documents/${doc.id}`)).status, 200);
      assert.equal((await huyen.get(`/api/v1/documents/${doc.id}/pdf`)).status, 200);
      assert.ok((await huyen.get('/api/v1/documents')).json.items.some((d: { id: string }) => d.id === doc.id));
      // The commune's officer moved to the district with the merger, and keeps reading them.
      assert.equal((await (await s.as('xa.officer')).get(`/api/v1/documents/${doc.id}`)).status, 200);
      // Nobody else.
      assert.equal((await (await s.as('stc.officer')).get(`/api/v1/documents/${doc.id}`)).status, 404);
      assert.equal((await (await s.as('tinh.officer')).get(`/api/v1/documents/${doc.id}`)).status, 404);
      // Reading is not signing: the district's leader cannot sign the commune's draft.
      const sign = await (await s.as('huyen.leader')).post('/api/v1/documents/sign', { documentIds: [doc.id], pin: '123456' });
      assert.equal(sign.status, 404, sign.text);
    });
  });
}
