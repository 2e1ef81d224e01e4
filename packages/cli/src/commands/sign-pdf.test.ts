/**
 * `kyso sign` for PDFs, end to end through the CLI: the Decree 30 presets, PAdES B-B..B-LTA,
 * certification, a PKCS#11 key (SoftHSM2), --batch and the refusals. Judged by tools kyso did not
 * write: shared/tools/verify-pdf.sh (pdfsig, mutool, openssl, PDFBox, qpdf, render diff), poppler's
 * pdftotext and qpdf's JSON view of the objects.
 *
 * RSA signatures here say --rsa-padding pkcs1 explicitly (kyso's PAdES default since ADR 0006):
 * MuPDF 1.21 (one of verify-pdf.sh's tools) cannot verify RSASSA-PSS, not even when OpenSSL made it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF } from '@libpdf/core';
import { buildName, createCsr, encodePem, parseDnString } from '@kyso/core';
import { makeOpaquePng, makeSealPng, makeSignaturePng, repoRoot, sharedPath } from '@kyso/testkit';
import { Pkcs11Token, generatePkcs11KeyPair } from '@kyso/server/keys/pkcs11-signer.ts';
import { servePkiCommand } from './serve-pki.ts';
import { freePort, kyso, runTool as run } from './test-cli.ts';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const noSoftHsm = existsSync(MODULE) ? false : 'SoftHSM2 is not installed (Debian softhsm2)';
const VERIFY = sharedPath('tools', 'verify-pdf.sh');
const input = (name: string) => sharedPath('corpus', 'pdf', 'inputs', name);

// SoftHSM reads SOFTHSM2_CONF in C_Initialize, at the first token opened in this process.
const work = mkdtempSync(join(tmpdir(), 'kyso-sign-pdf-'));
const f = (n: string) => join(work, n);
mkdirSync(f('tokens'));
writeFileSync(f('softhsm2.conf'), `directories.tokendir = ${f('tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
process.env.SOFTHSM2_CONF = f('softhsm2.conf');
process.env.KYSO_SP_CA = 'sign-pdf test passphrase';
process.env.KYSO_SP_P12 = 'p12 password for tests';
process.env.KYSO_SP_WRONG = 'not the password';
process.env.KYSO_SP_PIN = '482913';
process.env.KYSO_SP_WRONG_PIN = '000000';

const LEADER = 'Nguyễn Văn An';
const AGENCY = 'ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM';
const A4 = { width: 595.28, height: 841.89 };
const leaderKey = ['--p12', f('leader.p12'), '--pass-env', 'KYSO_SP_P12'];
const sealKey = ['--p12', f('seal.p12'), '--pass-env', 'KYSO_SP_P12', '--rsa-padding', 'pkcs1'];

/** verify-pdf.sh with extra environment; asserts the overall verdict VALID. */
async function verify(file: string, env: Record<string, string> = {}): Promise<string> {
  const r = await run('env', [...Object.entries(env).map(([k, v]) => `${k}=${v}`), VERIFY, file, f('chain.pem')]);
  assert.equal(r.code, 0, `verify-pdf.sh ${file}:\n${r.out}`);
  assert.match(r.out, /^RESULT\s+VALID\b/m, r.out);
  return r.out;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type Dict = { [k: string]: Json };

/** qpdf's JSON v2 view of a PDF: objects by reference ("12 0 R"), the trailer, and a resolver. */
function qpdfObjects(file: string, password?: string) {
  const args = ['--json=2', '--json-key=qpdf', ...(password ? [`--password=${password}`] : []), file];
  const j = JSON.parse(execFileSync('qpdf', args, { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8')) as { qpdf: [unknown, Record<string, { value?: Json; stream?: { dict: Dict } }>] };
  const objects = j.qpdf[1];
  const get = (x: Json | undefined): Json | undefined => {
    if (typeof x === 'string' && / \d+ R$/.test(x)) {
      const o = objects[`obj:${x}`];
      return o?.value ?? o?.stream?.dict;
    }
    return x;
  };
  const dict = (x: Json | undefined): Dict => {
    const v = get(x);
    assert.ok(v && typeof v === 'object' && !Array.isArray(v), `a dictionary, got ${JSON.stringify(v)?.slice(0, 200)}`);
    return v as Dict;
  };
  const array = (x: Json | undefined): Json[] => {
    const v = get(x);
    assert.ok(Array.isArray(v), `an array, got ${JSON.stringify(v)?.slice(0, 200)}`);
    return v;
  };
  const catalog = dict(dict(objects.trailer!.value)['/Root']);
  /** The signed fields under /AcroForm /Fields in order, each with its /V dictionary. */
  const signatures = (): Array<{ field: Dict; v: Dict }> =>
    array(dict(catalog['/AcroForm'])['/Fields']).map((r) => dict(r)).filter((d) => d['/V'] !== undefined).map((field) => ({ field, v: dict(field['/V']) }));
  return { get, dict, array, catalog, signatures };
}

/** pdftotext -bbox: the page sizes and the words of every page (y from the top, as displayed). */
function words(file: string): Array<{ width: number; height: number; words: Array<{ text: string; xMin: number; yMin: number; xMax: number; yMax: number }> }> {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map((p) => ({
    width: Number(p[1]), height: Number(p[2]),
    words: [...p[3]!.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)]
      .map((w) => ({ xMin: Number(w[1]), yMin: Number(w[2]), xMax: Number(w[3]), yMax: Number(w[4]), text: unescape(w[5]!) })),
  }));
}

const pdftotext = (file: string) => execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString('utf8');
const tmpLeftovers = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe('kyso sign (PAdES)', () => {
  let stop: AbortController;
  let served: Promise<number>;
  let base: string;

  before(async () => {
    base = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(f('ceremony.json'), JSON.stringify({
      root: { subject: 'CN=PAdES Test Root,O=Ban Cơ yếu thử nghiệm,C=VN', key: 'p256', years: 20 },
      issuing: { subject: 'CN=PAdES Test Issuing,O=Ban Cơ yếu thử nghiệm,C=VN', key: 'p256', years: 10 }, baseUrl: base,
    }));
    const ca = ['--pass-env', 'KYSO_SP_CA'];
    const init = await kyso('ca', 'init', '--dir', f('ca'), '--config', f('ceremony.json'), ...ca);
    assert.equal(init.code, 0, init.stderr);
    for (const [prefix, profile, subject, extra, key] of [
      ['leader', 'official', `CN=${LEADER},O=UBND tỉnh Thử,C=VN`, ['--uid', 'CCCD:001085000777'], 'p256'],
      ['seal', 'agency', 'CN=Văn phòng UBND tỉnh Thử,O=UBND tỉnh Thử,C=VN', ['--agency-code', '000.00.31.H41'], 'rsa2048'],
    ] as const) {
      const r = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', profile, '--subject', subject, ...extra, '--key', key, '--out', f(prefix), '--p12-pass-env', 'KYSO_SP_P12', ...ca);
      assert.equal(r.code, 0, r.stderr);
    }
    writeFileSync(f('chain.pem'), (await kyso('ca', 'chain', '--dir', f('ca'))).stdout);
    writeFileSync(f('signature.png'), makeSignaturePng());
    writeFileSync(f('seal.png'), makeSealPng());
    writeFileSync(f('opaque.png'), makeOpaquePng());

    // A one-page decision whose text holds the leader's name (Liberation Serif, Vietnamese glyphs).
    const doc = PDF.create();
    const font = doc.embedFont(readFileSync(join(repoRoot, 'packages/core/assets/fonts/LiberationSerif-Regular.ttf')));
    const page = doc.addPage({ size: 'a4' });
    page.drawText('QUYẾT ĐỊNH về việc ban hành quy chế thử nghiệm chữ ký số', { x: 100, y: 760, font, size: 14 });
    page.drawText('CHỦ TỊCH', { x: 385, y: 300, font, size: 13 });
    page.drawText(LEADER, { x: 370, y: 200, font, size: 13 });
    writeFileSync(f('decision.pdf'), await doc.save());

    stop = new AbortController();
    let out = '';
    served = servePkiCommand(['--dir', f('ca'), '--port', base.split(':')[2]!, '--pass-env', 'KYSO_SP_CA'], { stdout: (s) => { out += s; }, stderr: (s) => { out += s; } }, { signal: stop.signal });
    for (let i = 0; i < 600 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /listening/);
  });
  after(async () => { stop.abort(); await served; rmSync(work, { recursive: true, force: true }); });

  test('official preset above the anchor, then the agency seal at B-T: valid, Vietnamese text, doc number in the signature dictionary', async () => {
    const official = await kyso('sign', f('decision.pdf'), '-o', f('official.pdf'), ...leaderKey, '--preset', 'official', '--image', f('signature.png'), '--anchor', LEADER);
    assert.equal(official.code, 0, official.stderr);
    assert.match(official.stdout, /PAdES B-B/);
    const agency = await kyso('sign', f('official.pdf'), '-o', f('agency.pdf'), ...sealKey, '--preset', 'agency', '--seal', f('seal.png'), '--seal-mm', '36',
      '--agency-name', AGENCY, '--doc-number', '15/QĐ-UBND', '--doc-date', '27/11/2026', '--level', 'B-T', '--tsa', `${base}/tsa`);
    assert.equal(agency.code, 0, agency.stderr);
    assert.match(agency.stdout, /PAdES B-T/);

    // The leader's signature sits just above the typed name, centred on it.
    const name = words(f('official.pdf'))[0]!.words.filter((w) => LEADER.split(' ').includes(w.text));
    assert.equal(name.length, 3, JSON.stringify(name));
    const nameTop = A4.height - Math.min(...name.map((w) => w.yMin));
    const nameMid = (Math.min(...name.map((w) => w.xMin)) + Math.max(...name.map((w) => w.xMax))) / 2;
    const rect = qpdfObjects(f('official.pdf')).signatures()[0]!.field['/Rect'] as number[];
    assert.ok(rect[1]! >= nameTop - 2 && rect[1]! <= nameTop + 12, `widget bottom ${rect[1]} just above the name's top ${nameTop}`);
    assert.ok(Math.abs((rect[0]! + rect[2]!) / 2 - nameMid) < 3, `widget centred on the name: ${rect} vs ${nameMid}`);

    // Every tool, PDFBox and the render diff included, and live OCSP. REQUIRE_PROFILE=B-T would apply to
    // every signature and fail the leader's B-B one, so B-B is required of all and B-T is read from
    // PdfSigCheck's line for the seal's signature (its time-stamp validated by Bouncy Castle).
    const out = await verify(f('agency.pdf'), { REQUIRE_PROFILE: 'B-B', REVOCATION: '1' });
    assert.match(out, /PDFBOX sig#1 Signature1 crypto=OK chain=OK coverage=PARTIAL\S* profile=B-B/);
    assert.match(out, /PDFBOX sig#2 Signature2 crypto=OK chain=OK coverage=WHOLE profile=B-T tst=OK/);
    assert.match(out, /^ocsp\s+VALID\b.*sig#1 GOOD.*sig#2 GOOD/m);

    const text = pdftotext(f('agency.pdf'));
    assert.ok(text.includes(AGENCY), text);
    assert.ok(text.includes('Số: 15/QĐ-UBND, ngày 27/11/2026'), text);
    const time = /Thời gian ký: (\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\+07:00/.exec(text);
    assert.ok(time, text);

    const q = qpdfObjects(f('agency.pdf'));
    const [s1, s2] = q.signatures();
    assert.equal(s1!.v['/KysoDocNumber'], undefined);
    assert.equal(s2!.v['/KysoDocNumber'], 'u:15/QĐ-UBND');
    assert.equal(s2!.v['/KysoDocDate'], 'u:27/11/2026');
    // The displayed time is the /M of the signature dictionary.
    assert.equal(s2!.v['/M'], `u:D:${time.slice(1).join('')}+07'00'`);
  });

  test('B-LT puts certificates, OCSP responses and CRLs in the DSS; B-LTA ends with a document time-stamp', async () => {
    for (const level of ['B-LT', 'B-LTA']) {
      const r = await kyso('sign', input('dss__sample.pdf'), '-o', f(`${level}.pdf`), ...leaderKey, '--level', level, '--tsa', `${base}/tsa`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`PAdES ${level}\\b`));
    }
    await Promise.all(['B-LT', 'B-LTA'].map((l) => verify(f(`${l}.pdf`), { SKIP: 'pdfbox' })));

    const size = (n: string) => readFileSync(f(n)).length;
    for (const level of ['B-LT', 'B-LTA']) {
      const q = qpdfObjects(f(`${level}.pdf`));
      const dss = q.dict(q.catalog['/DSS']);
      for (const key of ['/Certs', '/OCSPs', '/CRLs']) {
        const items = q.array(dss[key]);
        assert.ok(items.length > 0, `${level}: /DSS ${key} is empty`);
        for (const item of items) assert.ok(q.dict(item), `${level}: /DSS ${key} holds streams`);
      }
      // Leader and TSA are each covered by an OCSP response.
      assert.ok(q.array(dss['/OCSPs']).length >= 2, `${level}: ${JSON.stringify(dss)}`);
      const sigs = q.signatures();
      const br = sigs[0]!.v['/ByteRange'] as number[];
      assert.equal(sigs[0]!.v['/Type'], '/Sig');
      assert.equal(sigs[0]!.v['/SubFilter'], '/ETSI.CAdES.detached');
      assert.ok(br[2]! + br[3]! < size(`${level}.pdf`), `${level}: the DSS is an update after the signature`);
      if (level === 'B-LT') {
        assert.equal(sigs.length, 1);
      } else {
        assert.equal(sigs.length, 2);
        const last = sigs[1]!.v;
        assert.equal(last['/Type'], '/DocTimeStamp');
        assert.equal(last['/SubFilter'], '/ETSI.RFC3161');
        const lbr = last['/ByteRange'] as number[];
        assert.equal(lbr[2]! + lbr[3]!, size(`${level}.pdf`), 'the document time-stamp covers the whole file');
      }
    }
  });

  test('attachment and copy presets write their text at the top right of page 1', async () => {
    const cases: Array<[string, string[], string[]]> = [
      ['attachment', ['--doc-number', '15/QĐ-UBND', '--doc-date', '27/11/2026'], ['Kèm', '15/QĐ-UBND', '27/11/2026']],
      ['copy', ['--copy-form', 'SY', '--agency-name', 'Văn phòng UBND tỉnh Thử'], ['SAO', 'Y', 'Văn', 'phòng', 'Thử']],
    ];
    for (const [preset, args] of cases) {
      const r = await kyso('sign', input('dss__empty-two-pages.pdf'), '-o', f(`${preset}.pdf`), ...sealKey, '--preset', preset, ...args);
      assert.equal(r.code, 0, r.stderr);
    }
    await Promise.all(cases.map(([preset]) => verify(f(`${preset}.pdf`), { SKIP: 'pdfbox' })));
    for (const [preset, , expected] of cases) {
      const pages = words(f(`${preset}.pdf`));
      assert.equal(pages.length, 2);
      assert.deepEqual(pages[1]!.words, [], `${preset}: nothing on page 2`);
      const p1 = pages[0]!;
      const texts = p1.words.map((w) => w.text);
      for (const e of expected) assert.ok(texts.includes(e), `${preset}: "${e}" in ${texts.join(' ')}`);
      assert.ok(texts.some((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/.test(t)), `${preset}: signing time in ${texts.join(' ')}`);
      for (const w of p1.words) {
        assert.ok(w.xMin > p1.width / 2, `${preset}: "${w.text}" at x ${w.xMin} is right of the middle of ${p1.width}`);
        assert.ok(w.yMax < p1.height * 0.2, `${preset}: "${w.text}" at y ${w.yMax} is in the top 20 % of ${p1.height}`);
      }
    }
  });

  test('a certification with P=1 refuses a second signature; with P=2 the agency may sign after', async () => {
    const c1 = await kyso('sign', f('decision.pdf'), '-o', f('certified-p1.pdf'), ...leaderKey, '--certify', '1');
    assert.equal(c1.code, 0, c1.stderr);
    const again = await kyso('sign', f('certified-p1.pdf'), '-o', f('certified-p1-again.pdf'), ...sealKey);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /^kyso: .*(DocMDP|certified).*\n$/);
    assert.ok(!existsSync(f('certified-p1-again.pdf')));

    const c2 = await kyso('sign', f('decision.pdf'), '-o', f('certified-p2.pdf'), ...leaderKey, '--certify', '2', '--preset', 'official', '--image', f('signature.png'), '--anchor', LEADER);
    assert.equal(c2.code, 0, c2.stderr);
    const seal = await kyso('sign', f('certified-p2.pdf'), '-o', f('certified-p2-sealed.pdf'), ...sealKey, '--preset', 'agency', '--seal', f('seal.png'), '--seal-mm', '36', '--agency-name', AGENCY);
    assert.equal(seal.code, 0, seal.stderr);
    const out = await verify(f('certified-p2-sealed.pdf'), { SKIP: 'pdfbox' });
    assert.match(out, /summary \(2 signature\(s\)\)/);

    const q = qpdfObjects(f('certified-p2-sealed.pdf'));
    const [first] = q.signatures();
    const ref = q.dict(q.array(first!.v['/Reference'])[0]);
    assert.equal(ref['/TransformMethod'], '/DocMDP');
    assert.equal(q.dict(ref['/TransformParams'])['/P'], 2);
    assert.deepEqual(q.dict(q.catalog['/Perms'])['/DocMDP'], first!.field['/V']);
  });

  test('PKCS#11: a key generated in a SoftHSM2 token signs; a wrong PIN is exit 77', { skip: noSoftHsm }, async () => {
    const init = execFileSync('softhsm2-util', ['--init-token', '--free', '--label', 'kyso-sign', '--so-pin', '12345678', '--pin', process.env.KYSO_SP_PIN!], { encoding: 'utf8' });
    assert.match(init, /initialized/i);
    const token = Pkcs11Token.open({ module: MODULE, tokenLabel: 'kyso-sign', pin: process.env.KYSO_SP_PIN! });
    try {
      const signer = generatePkcs11KeyPair(token, { label: 'pho-chu-tich', spec: { kind: 'ec', curve: 'P-256' } });
      const csr = await createCsr({ subject: buildName(parseDnString('CN=Trần Thị Bình,O=UBND tỉnh Thử,C=VN')), signer, algorithm: { scheme: 'ECDSA', hash: 'SHA-256' } });
      writeFileSync(f('token.csr'), encodePem('CERTIFICATE REQUEST', csr));
    } finally {
      token.close();
    }
    const issued = await kyso('ca', 'issue', '--dir', f('ca'), '--profile', 'official', '--csr', f('token.csr'), '--uid', 'CCCD:001190000321', '--out', f('token'), '--pass-env', 'KYSO_SP_CA');
    assert.equal(issued.code, 0, issued.stderr);
    writeFileSync(f('token-chain.pem'), readFileSync(f('token.crt.pem'), 'utf8') + readFileSync(f('chain.pem'), 'utf8'));
    const p11 = ['--pkcs11', MODULE, '--token', 'kyso-sign', '--key-label', 'pho-chu-tich', '--cert', f('token-chain.pem')];

    const r = await kyso('sign', f('decision.pdf'), '-o', f('token.pdf'), ...p11, '--pin-env', 'KYSO_SP_PIN', '--level', 'B-T', '--tsa', `${base}/tsa`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Trần Thị Bình/);
    await verify(f('token.pdf'), { SKIP: 'pdfbox render' });

    const wrong = await kyso('sign', f('decision.pdf'), '-o', f('token-wrong-pin.pdf'), ...p11, '--pin-env', 'KYSO_SP_WRONG_PIN');
    assert.equal(wrong.code, 77, wrong.stderr);
    assert.match(wrong.stderr, /^kyso: .*PIN.*\n$/);
    assert.ok(!existsSync(f('token-wrong-pin.pdf')));
  });

  test('--batch: one JSON line per file, the broken one an error with no output, exit 65', async () => {
    const dir = f('batch-in');
    mkdirSync(dir);
    const good = ['dss__sample.pdf', 'dss__pdf-xref-streams.pdf', 'pyhanko__minimal.pdf', 'pyhanko__minimal-two-pages.pdf'];
    for (const n of good) copyFileSync(input(n), join(dir, n));
    writeFileSync(join(dir, 'x.pdf'), readFileSync(input('dss__sample.pdf')).subarray(0, 4000));
    const r = await kyso('sign', '--batch', dir, '-o', f('batch-out'), ...leaderKey, '--workers', '2');
    assert.equal(r.code, 65, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; status: string; out?: string; error?: string; ms: number });
    assert.deepEqual(lines.map((l) => l.file).sort(), [...good, 'x.pdf'].sort());
    for (const l of lines) {
      assert.equal(typeof l.ms, 'number');
      if (l.file === 'x.pdf') {
        assert.equal(l.status, 'error');
        assert.match(l.error!, /no startxref.*truncated/);
        assert.ok(!l.error!.includes('\n') && !/\bat .*\.ts:\d+/.test(l.error!), l.error);
      } else {
        assert.equal(l.status, 'signed', JSON.stringify(l));
        assert.equal(l.out, join(f('batch-out'), l.file));
      }
    }
    assert.match(r.stderr, /batch: 4 signed, 1 failed, 5 files/);
    assert.deepEqual(readdirSync(f('batch-out')).sort(), [...good].sort());
    await Promise.all(good.map((n) => verify(join(f('batch-out'), n), { SKIP: 'pdfbox render' })));
  });

  test('bad input: one clear line, a non-zero exit and no output file', async () => {
    writeFileSync(f('not-a-pdf.pdf'), 'Phụ lục kèm Quyết định số 15/QĐ-UBND: a spreadsheet, not a PDF');
    writeFileSync(f('truncated.pdf'), '%PDF-1.7\n%âãÏÓ\n');
    const sig = ['--preset', 'official', '--image', f('signature.png')];
    const cases: Array<[string, string[], number, RegExp]> = [
      ['not a PDF', [f('not-a-pdf.pdf'), ...leaderKey], 65, /not a PDF.*--cades/],
      ['a truncated PDF', [f('truncated.pdf'), ...leaderKey], 65, /startxref/],
      ['a reject corpus file (brute-force recovery)', [input('pyhanko__minimal-startxref-hopeless.pdf'), ...leaderKey], 65, /damaged|cross-reference/],
      ['a wrong PKCS#12 password', [f('decision.pdf'), '--p12', f('leader.p12'), '--pass-env', 'KYSO_SP_WRONG'], 77, /password/],
      ['a seal PNG without transparency', [f('decision.pdf'), ...sealKey, '--preset', 'agency', '--seal', f('opaque.png'), '--seal-mm', '36', '--agency-name', AGENCY, '--anchor', LEADER], 64, /transparen/],
      ['an anchor that is not in the text', [f('decision.pdf'), ...leaderKey, ...sig, '--anchor', 'Lê Văn Vắng Mặt'], 66, /Lê Văn Vắng Mặt.*not found/],
      ['--rect off the page (no preset)', [f('decision.pdf'), ...leaderKey, '--page', '1', '--rect', '200,280,40,30'], 64, /does not fit on the page|off the page|outside the page/],
      ['--rect off the page (official preset)', [f('decision.pdf'), ...leaderKey, ...sig, '--page', '1', '--rect', '250,300,40,20'], 64, /does not fit on the page|off the page|outside the page/],
      ['--level B-T without --tsa', [f('decision.pdf'), ...leaderKey, '--level', 'B-T'], 64, /--tsa/],
      ['an encrypted PDF without --pdf-pass-env', [input('pyhanko__minimal-aes256.pdf'), ...leaderKey], 77, /encrypted.*password/],
    ];
    const problems: string[] = [];
    for (const [what, [file, ...rest], code, re] of cases) {
      const out = f(`bad-${what.replace(/\W+/g, '-')}.pdf`);
      const r = await kyso('sign', file!, '-o', out, ...rest);
      const wrong: string[] = [];
      if (r.code !== code) wrong.push(`exit ${r.code}, expected ${code}`);
      if (!/^kyso: [^\n]+\n$/.test(r.stderr) || /internal error|\n\s+at /.test(r.stderr)) wrong.push('not one clear line on stderr');
      if (!re.test(r.stderr)) wrong.push(`stderr does not match ${re}`);
      if (existsSync(out)) wrong.push('the output file was written');
      if (wrong.length) problems.push(`${what}: ${wrong.join('; ')} (stderr ${JSON.stringify(r.stderr)}, stdout ${JSON.stringify(r.stdout)})`);
    }
    const leftovers = tmpLeftovers(work);
    if (leftovers.length) problems.push(`temporary files left behind: ${leftovers.join(', ')}`);
    assert.deepEqual(problems, []);
  });

  test('the encrypted corpus file refused above signs with --pdf-pass-env', async () => {
    process.env.KYSO_SP_PDF = 'usersecret'; // pyhanko__minimal-aes256.pdf in inputs/manifest.json
    const r = await kyso('sign', input('pyhanko__minimal-aes256.pdf'), '-o', f('aes256.pdf'), ...leaderKey, '--pdf-pass-env', 'KYSO_SP_PDF');
    assert.equal(r.code, 0, r.stderr);
    await verify(f('aes256.pdf'), { SKIP: 'pdfbox render', PDF_PASSWORD: 'usersecret' });
    assert.equal(qpdfObjects(f('aes256.pdf'), 'usersecret').signatures().length, 1);
  });
});
