/**
 * First start of a demo installation: a small province — the provincial People's Committee, two
 * departments, a district and a commune — each with its seal image (40 mm; 36 mm for the commune)
 * and its people (agency administrator, leader, clerk, officer), a system administrator and an
 * auditor at the province. Passwords are random and printed once. Certificates are not issued
 * here: they go through the registration-authority path (request → approval → issuance).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { insertAgencyRow, insertUserRow } from './directory-service.ts';
import { makeSealPng, makeSignaturePng } from '@kyso/core/pdf/sample-images.ts';
import type { ServerContext } from './server-context.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Role } from '../auth/principal.ts';

export interface SeedAgency { code: string; name: string; shortName: string; level: string; parent?: string; sealMm: number }
export interface SeedUser { username: string; fullName: string; agency: string; position: string; roles: Role[]; uid?: string }

export const DEMO_AGENCIES: SeedAgency[] = [
  { code: '000.00.00.H99', name: 'Ủy ban nhân dân tỉnh Demo', shortName: 'UBND', level: 'province', sealMm: 40 },
  { code: '000.01.00.H99', name: 'Sở Nội vụ tỉnh Demo', shortName: 'SNV', level: 'department', parent: '000.00.00.H99', sealMm: 40 },
  { code: '000.02.00.H99', name: 'Sở Tài chính tỉnh Demo', shortName: 'STC', level: 'department', parent: '000.00.00.H99', sealMm: 40 },
  { code: '000.00.11.H99', name: 'Ủy ban nhân dân huyện Demo Bắc', shortName: 'UBND', level: 'district', parent: '000.00.00.H99', sealMm: 40 },
  { code: '000.11.01.H99', name: 'Ủy ban nhân dân xã Demo Đông', shortName: 'UBND', level: 'commune', parent: '000.00.11.H99', sealMm: 36 },
];

const PEOPLE: Array<[string, string, string, Role[]]> = [
  ['admin', 'Quản trị', 'Quản trị hệ thống đơn vị', ['agency_admin']],
  ['leader', 'Lãnh đạo', 'Giám đốc', ['leader']],
  ['clerk', 'Văn thư', 'Văn thư', ['clerk']],
  ['officer', 'Chuyên viên', 'Chuyên viên', ['officer']],
];

export function demoUsers(): SeedUser[] {
  const out: SeedUser[] = [
    { username: 'sysadmin', fullName: 'Trần Quản Trị', agency: '000.00.00.H99', position: 'Quản trị hệ thống', roles: ['sysadmin'] },
    { username: 'auditor', fullName: 'Lê Kiểm Toán', agency: '000.00.00.H99', position: 'Kiểm tra viên', roles: ['auditor'] },
  ];
  DEMO_AGENCIES.forEach((a, i) => {
    const slug = ['tinh', 'snv', 'stc', 'huyen', 'xa'][i]!;
    PEOPLE.forEach(([role, family, position, roles], j) => {
      out.push({
        username: `${slug}.${role}`, fullName: `${family} ${a.name.split(' ').slice(-2).join(' ')}`, agency: a.code,
        position: role === 'leader' ? (a.level === 'department' ? 'Giám đốc' : 'Chủ tịch') : position, roles,
        ...(role === 'leader' ? { uid: `CCCD:0010850000${String(i * 4 + j + 10).padStart(2, '0')}` } : {}),
      });
    });
  });
  return out;
}

export interface SeedResult { agencies: Record<string, string>; users: Record<string, { id: string; password: string }> }

/**
 * Creates the demo province when the installation has no agency yet. `passwordFor` chooses each
 * user's password (tests pass fixed ones; the demo generates random ones).
 */
export async function seedDemoProvince(ctx: ServerContext, opts: { passwordFor?: (username: string) => string } = {}): Promise<SeedResult | undefined> {
  const existing = await ctx.db.kysely.selectFrom('agencies').select('id').limit(1).executeTakeFirst();
  if (existing) return undefined;
  const at = ctx.clock.now();
  const users = demoUsers();
  const passwords = new Map(users.map((u) => [u.username, opts.passwordFor?.(u.username) ?? randomBytes(12).toString('base64url')]));
  const hashes = new Map(await Promise.all(users.map(async (u) => [u.username, await hashPassword(passwords.get(u.username)!)] as const)));
  const sealShas = new Map<number, string>();
  for (const a of DEMO_AGENCIES) if (!sealShas.has(a.sealMm)) sealShas.set(a.sealMm, await ctx.blobs.put(makeSealPng()));
  const signatureSha = await ctx.blobs.put(makeSignaturePng());
  return ctx.tx(async (trx) => {
    const agencies: Record<string, string> = {};
    for (const a of DEMO_AGENCIES) {
      agencies[a.code] = await insertAgencyRow(trx, { ...a, parentId: a.parent ? agencies[a.parent]! : null, from: at.toISOString(), now: at });
      await trx.insertInto('seals').values({
        id: randomUUID(), agency_id: agencies[a.code]!, blob_sha256: sealShas.get(a.sealMm)!, diameter_mm: a.sealMm,
        valid_from: at.toISOString(), valid_to: null, created_by: 'system', created_at: at.toISOString(),
      }).execute();
    }
    const out: SeedResult['users'] = {};
    for (const u of users) out[u.username] = { id: await insertUserRow(trx, { ...u, agencyId: agencies[u.agency]!, passwordHash: hashes.get(u.username)!, now: at, signatureSha: u.roles.includes('leader') ? signatureSha : null }), password: passwords.get(u.username)! };
    await ctx.audit(trx, { actor: 'system', action: 'system.bootstrap', target: null, details: { agencies: DEMO_AGENCIES.length, users: users.length } });
    return { agencies, users: out };
  });
}
