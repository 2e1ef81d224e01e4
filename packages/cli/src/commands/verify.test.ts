/**
 * `kyso verify` through the CLI: exit codes (0 valid, 1 invalid, 2 indeterminate, 64+ usage and
 * unreadable input), the Vietnamese and English summaries, --json against the documented schema
 * version, and the printable --report PDF read back with pdftotext.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSignaturePng, makeSimplePdf } from '@kyso/testkit';
import { REPORT_SCHEMA_VERSION } from '@kyso/core/pdf/validation/report.ts';
import { servePkiCommand } from './serve-pki.ts';
import { freePort, kyso, runTool as run } from './test-cli.ts';

process.env.KYSO_VF_CA = 'verify test passphrase';
process.env.KYSO_VF_P12 = 'p12 password for verify tests';

describe('kyso verify', () => {
  let work: string;
  let base: string;
  let stop: AbortController;
  let served: Promise<number>;
  const f = (n: string) => join(work, n);
  const key = () => ['--p12', f('leader.p12'), '--pass-env', 'KYSO_VF_P12'];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kyso-verify-cli-'));
    base = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(f('ceremony.json'), JSON.stringify({
      root: { subject: 'CN=Verify CLI Root,O=UBND tỉnh Thử,C=VN', key: 'p256', years: 20 },
      issuing: { subject: 'CN=Verify CLI Issuing,O=UBND tỉnh Thử,C=VN', key: 'p256', years: 10 }, baseUrl: base,
    }));
    assert.equal((await kyso('ca', 'init', '--dir', f('ca'), '--config', f('ceremony.json'), '--pass-env', 'KYSO_VF_CA')).code, 0);
    const issued = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', 'official', '--subject', 'CN=Nguyễn Văn An,O=UBND tỉnh Thử',
      '--uid', 'CCCD:001085000001', '--key', 'p256', '--out', f('leader'), '--p12-pass-env', 'KYSO_VF_P12', '--pass-env', 'KYSO_VF_CA');
    assert.equal(issued.code, 0, issued.stderr);
    const chain = (await kyso('ca', 'chain', '--dir', f('ca'))).stdout;
    writeFileSync(f('root.pem'), chain.slice(chain.indexOf('-----BEGIN', 10)));
    writeFileSync(f('doc.pdf'), makeSimplePdf({ pages: 1, text: 'Quyet dinh so 15' }));
    writeFileSync(f('sig.png'), makeSignaturePng({}));
    stop = new AbortController();
    let out = '';
    served = servePkiCommand(['--dir', f('ca'), '--port', base.split(':')[2]!, '--pass-env', 'KYSO_VF_CA'], { stdout: (s) => { out += s; }, stderr: (s) => { out += s; } }, { signal: stop.signal });
    for (let i = 0; i < 600 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
    const signed = await kyso('sign', f('doc.pdf'), '-o', f('signed.pdf'), ...key(), '--preset', 'official', '--image', f('sig.png'), '--page', '1', '--level', 'B-LT', '--tsa', `${base}/tsa`);
    assert.equal(signed.code, 0, signed.stderr);
  });
  after(async () => { stop.abort(); await served; rmSync(work, { recursive: true, force: true }); });

  test('a valid B-LT document: exit 0, Vietnamese verdict first, offline from the DSS', async () => {
    const r = await kyso('verify', f('signed.pdf'), '--trust', f('root.pem'), '--offline');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout.split('\n')[0]!, /^KẾT LUẬN: Văn bản hợp lệ/);
    assert.match(r.stdout, /Nguyễn Văn An/);
    assert.match(r.stdout, /B-LT/);
  });

  test('--json follows the schema version; --lang en; --report writes a readable PDF', async () => {
    const j = await kyso('verify', f('signed.pdf'), '--trust', f('root.pem'), '--json');
    assert.equal(j.code, 0, j.stderr);
    const report = JSON.parse(j.stdout) as { schemaVersion: string; indication: string; signatures: Array<{ signer: { uid: string }; revocation: { source: string } }> };
    assert.equal(report.schemaVersion, REPORT_SCHEMA_VERSION);
    assert.equal(report.indication, 'TOTAL_PASSED');
    assert.equal(report.signatures[0]!.signer.uid, 'CCCD:001085000001');
    const en = await kyso('verify', f('signed.pdf'), '--trust', f('root.pem'), '--offline', '--lang', 'en', '--report', f('report.pdf'));
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stdout.split('\n')[0]!, /^CONCLUSION: The document is valid/);
    assert.ok(existsSync(f('report.pdf')));
    const vi = await kyso('verify', f('signed.pdf'), '--trust', f('root.pem'), '--offline', '--report', f('report-vi.pdf'));
    assert.equal(vi.code, 0);
    const text = await run('pdftotext', [f('report-vi.pdf'), '-']);
    assert.match(text.out, /BÁO CÁO KIỂM TRA CHỮ KÝ SỐ/);
    assert.match(text.out, /Nguyễn Văn An/);
  });

  test('exit 1 for a changed document, 2 for an unknown root', async () => {
    const bytes = readFileSync(f('signed.pdf'));
    const at = bytes.indexOf('Quyet dinh so 15');
    const tampered = Buffer.from(bytes);
    tampered.write('Quyet dinh so 99', at, 'latin1');
    writeFileSync(f('tampered.pdf'), tampered);
    const bad = await kyso('verify', f('tampered.pdf'), '--trust', f('root.pem'), '--offline');
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout, /không hợp lệ/i);
    const unknown = await kyso('verify', f('signed.pdf'), '--offline');
    assert.equal(unknown.code, 2, unknown.stdout);
  });

  test('usage errors and unreadable input: one line, exit 64+', async () => {
    writeFileSync(f('not.pdf'), 'hello');
    const cases: Array<[string[], number, RegExp]> = [
      [['verify'], 64, /exactly one PDF/],
      [['verify', f('signed.pdf'), '--lang', 'fr'], 64, /--lang/],
      [['verify', f('signed.pdf'), '--at', 'yesterday'], 64, /ISO 8601/],
      [['verify', f('not.pdf')], 65, /not a PDF/],
      [['verify', f('missing.pdf')], 74, /cannot read/],
      [['verify', f('signed.pdf'), '--trust', f('doc.pdf')], 65, /no PEM certificate/],
    ];
    for (const [argv, code, re] of cases) {
      const r = await kyso(...argv);
      assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
