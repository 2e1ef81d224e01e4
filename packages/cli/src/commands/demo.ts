/**
 * `kyso demo`: what `npm start` runs until the server lands. Builds a demo province CA in a data
 * directory (default ./kyso-data) and issues an agency seal and an official certificate.
 * The demo passphrases are random, written once to DIR/demo-secrets.json (mode 0600) — a demo
 * convenience; a real CA takes its passphrase from --pass-env/--pass-file.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KysoError } from '@kyso/core';
import { CaService, openCaDirectory } from '@kyso/server/services/ca-directory.ts';
import { parseCeremony } from '@kyso/server/config/ceremony.ts';
import { EXIT, parse, type Out } from '../cli-kit.ts';

interface DemoSecrets { caPassphrase: string; p12Password: string }

export async function demoCommand(args: string[], out: Out): Promise<number> {
  const { values: v } = parse(args, { dir: { type: 'string' } });
  const dir = resolve(v.dir ?? './kyso-data');
  const secretsFile = join(dir, 'demo-secrets.json');
  const d = await openCaDirectory(dir, { create: true });
  try {
    let secrets: DemoSecrets;
    if (await CaService.isInitialised(d.db)) {
      if (!existsSync(secretsFile)) throw new KysoError('conflict', `${dir} holds a CA that was not made by \`kyso demo\`; use kyso ca commands on it`);
      secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as DemoSecrets;
      out.stdout(`demo CA already present in ${dir}\n`);
    } else {
      secrets = { caPassphrase: randomBytes(18).toString('base64url'), p12Password: randomBytes(12).toString('base64url') };
      writeFileSync(secretsFile, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
      const r = await CaService.init(d.deps, { ceremony: parseCeremony(undefined), secret: secrets.caPassphrase });
      out.stdout(`created demo CA in ${dir}\n  root:    ${r.root.subjectString}\n  issuing: ${r.issuing.subjectString}\n`);
    }
    const ca = await CaService.open(d.deps, secrets.caPassphrase);
    const certsDir = join(dir, 'demo');
    mkdirSync(certsDir, { recursive: true, mode: 0o700 });
    const wanted = [
      { file: 'seal', req: { profile: 'agency' as const, subject: 'CN=Văn phòng UBND tỉnh Demo,O=Ủy ban nhân dân tỉnh Demo,L=Demo,ST=Demo,C=VN', agencyCode: '000.00.00.H99', uid: 'MST:0100000001' } },
      { file: 'official', req: { profile: 'official' as const, subject: 'CN=Nguyễn Văn An,T=Chủ tịch,O=Ủy ban nhân dân tỉnh Demo,ST=Demo,C=VN', uid: 'CCCD:001085000001' } },
    ];
    for (const w of wanted) {
      const crt = join(certsDir, `${w.file}.crt.pem`);
      if (existsSync(crt)) { out.stdout(`  ${w.file}: ${crt} (exists)\n`); continue; }
      const r = await ca.issue({ ...w.req, p12Password: secrets.p12Password });
      writeFileSync(join(certsDir, `${w.file}.p12`), r.p12!, { mode: 0o600 });
      writeFileSync(crt, r.pem);
      out.stdout(`  ${w.file}: ${r.certificate.subjectString}\n    serial ${r.certificate.serialHex}, ${crt} + .p12\n`);
    }
    writeFileSync(join(dir, 'ca-chain.pem'), await ca.chainPem());
    out.stdout(`\nCA chain: ${join(dir, 'ca-chain.pem')}\nDemo passphrases (CA and PKCS#12): ${secretsFile}\nTry: KYSO_CA_PASSPHRASE=… npx kyso ca list --dir ${v.dir ?? './kyso-data'}\n`);
    return EXIT.ok;
  } finally {
    await d.close();
  }
}
