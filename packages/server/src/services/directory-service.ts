/**
 * The directory: agencies (a province's tree — provincial People's Committee → departments,
 * district and commune People's Committees — with dated name versions), their people, their seals
 * and the leaders' handwritten-signature images.
 *
 * Agencies are versioned, never overwritten: a rename, a merger (the 2025 restructuring merged
 * communes and dissolved the district level) or a split closes the current version
 * (`effective_to`) and opens a new one, so a document keeps the name its agency had when it was
 * signed (Decree 30/2020/NĐ-CP, Appendix I: the issuing body's name as it stood on the date of
 * issue) and `agencyVersionAt` finds it again later.
 */
import { randomUUID } from 'node:crypto';
import { KysoError, isKysoError } from '@kyso/core';
import { decodePng } from '@kyso/core/pdf/png.ts';
import type { AgencyVersionsTable, Db, UsersTable } from '../store/database.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { ServerContext, Trx } from './server-context.ts';
import { actorOf, hasRole, parseRoles, type Principal, type Role } from '../auth/principal.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';

/** What the lookups need: the database (or a caller's transaction) and, for seals, the blob store. */
export interface DirectoryReadContext { db: Db; blobs: BlobStore }

export interface AgencyVersionRef { version: number; name: string; shortName: string; code: string }

/**
 * The agency version in force at `at` (effective_from ≤ at < effective_to, open-ended when
 * effective_to is null). 'not-found' when the agency does not exist or had no version then (before
 * it was created, or after it was dissolved).
 */
export async function agencyVersionAt(ctx: Pick<DirectoryReadContext, 'db'>, agencyId: string, at: Date, trx?: Trx): Promise<AgencyVersionRef> {
  const db = trx ?? ctx.db.kysely;
  const t = at.toISOString();
  const row = await db.selectFrom('agency_versions').innerJoin('agencies', 'agencies.id', 'agency_versions.agency_id')
    .select(['agency_versions.version', 'agency_versions.name', 'agency_versions.short_name', 'agencies.code'])
    .where('agency_versions.agency_id', '=', agencyId)
    .where('agency_versions.effective_from', '<=', t)
    .where((eb) => eb.or([eb('agency_versions.effective_to', 'is', null), eb('agency_versions.effective_to', '>', t)]))
    .orderBy('agency_versions.version', 'desc').limit(1).executeTakeFirst();
  if (!row) {
    const exists = await db.selectFrom('agencies').select('code').where('id', '=', agencyId).executeTakeFirst();
    if (!exists) throw new KysoError('not-found', `agency ${agencyId} not found`);
    throw new KysoError('not-found', `agency ${exists.code} had no name in force on ${t} (not yet created, or dissolved by then)`);
  }
  return { version: Number(row.version), name: row.name, shortName: row.short_name, code: row.code };
}

export interface SealRef { id: string; png: Uint8Array; diameterMm: number }

/**
 * The agency's seal image valid at `at` (valid_from ≤ at < valid_to; the latest valid_from wins
 * when several overlap). 'conflict' when the agency has none, since sealing cannot go on without one.
 */
export async function currentSeal(ctx: DirectoryReadContext, agencyId: string, at: Date, trx?: Trx): Promise<SealRef> {
  const db = trx ?? ctx.db.kysely;
  const t = at.toISOString();
  const row = await db.selectFrom('seals').select(['id', 'blob_sha256', 'diameter_mm'])
    .where('agency_id', '=', agencyId)
    .where('valid_from', '<=', t)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', t)]))
    .orderBy('valid_from', 'desc').orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  if (!row) {
    const agency = await db.selectFrom('agencies').select('code').where('id', '=', agencyId).executeTakeFirst();
    if (!agency) throw new KysoError('not-found', `agency ${agencyId} not found`);
    throw new KysoError('conflict', `agency ${agency.code} has no seal image valid on ${t}: its agency administrator must upload one first`);
  }
  return { id: row.id, png: await ctx.blobs.get(row.blob_sha256), diameterMm: Number(row.diameter_mm) };
}

// ---------------------------------------------------------------------------------------------
// Agencies

/**
 * Levels of the tree: the provincial People's Committee, its departments (sở) and other
 * province-level bodies, district and commune People's Committees, and public service units.
 */
export const AGENCY_LEVELS = ['province', 'department', 'district', 'commune', 'unit'] as const;
export type AgencyLevel = (typeof AGENCY_LEVELS)[number];

/**
 * Agency identifier code (Decision 20/2020/QĐ-TTg): four dot-separated groups, 13 characters —
 * level 4 (3 digits), level 3 (2), level 2 (2), level 1 (a letter — G central bodies, H provinces —
 * and 2 digits), e.g. `000.00.00.H99`. Received codes from other systems deviate and are kept as
 * opaque strings elsewhere; codes entered into this directory are sent out (certificates, document
 * exchange), so they must be well formed.
 */
export const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

export function checkAgencyCode(code: string): void {
  if (!AGENCY_CODE.test(code)) {
    throw new KysoError('invalid-argument', `agency code "${code}" is not a Decision 20/2020/QĐ-TTg identifier: four groups like 000.00.00.H99 (3 digits, 2 digits, 2 digits, a capital letter and 2 digits)`);
  }
}

export interface AgencyVersionView {
  version: number; name: string; shortName: string; parentName: string | null;
  effectiveFrom: string; effectiveTo: string | null; change: string; details: Record<string, unknown>;
}
export interface AgencyNode {
  id: string; code: string; level: string; status: string; parentId: string | null;
  name: string; shortName: string; version: number; effectiveFrom: string; children: AgencyNode[];
}
export interface AgencyDetail {
  id: string; code: string; level: string; status: string; parentId: string | null; createdAt: string;
  current: AgencyVersionView | null; versions: AgencyVersionView[];
}

function toVersionView(v: AgencyVersionsTable): AgencyVersionView {
  return {
    version: Number(v.version), name: v.name, shortName: v.short_name, parentName: v.parent_name,
    effectiveFrom: v.effective_from, effectiveTo: v.effective_to, change: v.change, details: JSON.parse(v.details) as Record<string, unknown>,
  };
}

/**
 * The agency tree with the names in force at `at`. Agencies that did not exist then (or were
 * dissolved by then) are left out; an agency whose parent is left out hangs under its nearest
 * listed ancestor, or at the top.
 */
/**
 * The agencies whose records `agencyId` has inherited by merger (Decree 30 archives follow the
 * agency that took over): itself, every agency merged into it, and theirs in turn. A split leaves
 * no single successor, so a split source's records stay with it.
 */
export async function agenciesInheritedBy(ctx: Pick<ServerContext, 'db'>, agencyId: string): Promise<string[]> {
  const merged = await ctx.db.kysely.selectFrom('agency_versions').select(['agency_id', 'details']).where('change', '=', 'merged-into').execute();
  const sourcesOf = new Map<string, string[]>();
  for (const m of merged) {
    const target = (JSON.parse(m.details) as { targetId?: string }).targetId;
    if (target) sourcesOf.set(target, [...(sourcesOf.get(target) ?? []), m.agency_id]);
  }
  const out = [agencyId];
  for (let i = 0; i < out.length; i++) for (const src of sourcesOf.get(out[i]!) ?? []) if (!out.includes(src)) out.push(src);
  return out;
}

export async function listAgencyTree(ctx: Pick<ServerContext, 'db'>, at: Date): Promise<AgencyNode[]> {
  const t = at.toISOString();
  const rows = await ctx.db.kysely.selectFrom('agencies').innerJoin('agency_versions', 'agency_versions.agency_id', 'agencies.id')
    .select(['agencies.id', 'agencies.code', 'agencies.level', 'agencies.status', 'agencies.parent_id', 'agency_versions.version', 'agency_versions.name', 'agency_versions.short_name', 'agency_versions.effective_from'])
    .where('agency_versions.effective_from', '<=', t)
    .where((eb) => eb.or([eb('agency_versions.effective_to', 'is', null), eb('agency_versions.effective_to', '>', t)]))
    .orderBy('agencies.code').execute();
  const parents = new Map((await ctx.db.kysely.selectFrom('agencies').select(['id', 'parent_id']).execute()).map((r) => [r.id, r.parent_id]));
  const nodes = new Map<string, AgencyNode>();
  for (const r of rows) {
    nodes.set(r.id, { id: r.id, code: r.code, level: r.level, status: r.status, parentId: r.parent_id, name: r.name, shortName: r.short_name, version: Number(r.version), effectiveFrom: r.effective_from, children: [] });
  }
  const roots: AgencyNode[] = [];
  for (const n of nodes.values()) {
    let up = n.parentId;
    const seen = new Set<string>([n.id]);
    while (up && !nodes.has(up) && !seen.has(up)) { seen.add(up); up = parents.get(up) ?? null; }
    const parent = up && up !== n.id ? nodes.get(up) : undefined;
    (parent ? parent.children : roots).push(n);
  }
  return roots;
}

export async function getAgency(ctx: Pick<ServerContext, 'db'>, id: string): Promise<AgencyDetail> {
  const db = ctx.db.kysely;
  const a = await db.selectFrom('agencies').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) throw new KysoError('not-found', `agency ${id} not found`);
  const versions = (await db.selectFrom('agency_versions').selectAll().where('agency_id', '=', id).orderBy('version').execute()).map(toVersionView);
  const current = a.status === 'active' ? versions.find((v) => v.effectiveTo === null) ?? null : null;
  return { id: a.id, code: a.code, level: a.level, status: a.status, parentId: a.parent_id, createdAt: a.created_at, current, versions };
}

/** The open (latest) version of an agency that can still change, checked against `from`. */
async function loadChangeableAgency(trx: Trx, { id, from, role }: { id: string; from: string; role: string }) {
  const a = await trx.selectFrom('agencies').selectAll().where('id', '=', id).executeTakeFirst();
  if (!a) throw new KysoError('not-found', `${role} agency ${id} not found`);
  if (a.status !== 'active') throw new KysoError('conflict', `${role} agency ${a.code} is dissolved: it can no longer change`);
  const cur = await trx.selectFrom('agency_versions').selectAll().where('agency_id', '=', id).where('effective_to', 'is', null)
    .orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!cur) throw new KysoError('conflict', `${role} agency ${a.code} has no version in force`);
  if (from <= cur.effective_from) {
    throw new KysoError('invalid-argument', `effectiveFrom ${from} must be after the start of ${a.code}'s current name (version ${cur.version}, in force since ${cur.effective_from})`);
  }
  return { agency: a, current: cur };
}

/** Changes are recorded once they take effect: a future date would make the directory say two things. */
function checkNotFuture(ctx: ServerContext, from: Date): string {
  if (from.getTime() > ctx.clock.now().getTime()) {
    throw new KysoError('invalid-argument', `effectiveFrom ${from.toISOString()} is in the future: record the change once it has taken effect`);
  }
  return from.toISOString();
}

function checkParentRule(level: string, parentId: string | null | undefined, code: string): void {
  if (!(AGENCY_LEVELS as readonly string[]).includes(level)) throw new KysoError('invalid-argument', `${code}: unknown level "${level}": use ${AGENCY_LEVELS.join(', ')}`);
  if (level === 'province' && parentId) throw new KysoError('invalid-argument', `${code}: a province-level People's Committee has no parent agency`);
  if (level !== 'province' && !parentId) throw new KysoError('invalid-argument', `${code}: a ${level}-level agency needs a parent agency (parentId)`);
}

async function findCurrentName(trx: Trx, agencyId: string | null): Promise<string | null> {
  if (!agencyId) return null;
  const v = await trx.selectFrom('agency_versions').select('name').where('agency_id', '=', agencyId).where('effective_to', 'is', null)
    .orderBy('version', 'desc').limit(1).executeTakeFirst();
  return v?.name ?? null;
}

interface NewVersion { agencyId: string; now: Date; version: number; name: string; shortName: string; parentName: string | null; from: string; to?: string | null; change: string; details: Record<string, unknown> }

/** Closes the agency's open version at `v.from` and appends `v`. */
async function appendVersion(trx: Trx, v: NewVersion): Promise<void> {
  await trx.updateTable('agency_versions').set({ effective_to: v.from }).where('agency_id', '=', v.agencyId).where('effective_to', 'is', null).execute();
  await trx.insertInto('agency_versions').values({
    agency_id: v.agencyId, version: v.version, name: v.name, short_name: v.shortName, parent_name: v.parentName,
    effective_from: v.from, effective_to: v.to ?? null, change: v.change, details: JSON.stringify(v.details), created_at: v.now.toISOString(),
  }).execute();
}

export interface NewAgency { code: string; name: string; shortName: string; level: string; parentId?: string | null }

/** Inserts an agency and its first version (no checks: callers validate; the seed uses it too). */
export async function insertAgencyRow(trx: Trx, a: NewAgency & { from: string; now: Date; change?: string; details?: Record<string, unknown> }): Promise<string> {
  const id = randomUUID();
  await trx.insertInto('agencies').values({ id, code: a.code, parent_id: a.parentId ?? null, level: a.level, status: 'active', created_at: a.now.toISOString() }).execute();
  await appendVersion(trx, {
    agencyId: id, now: a.now, version: 1, name: a.name, shortName: a.shortName, parentName: await findCurrentName(trx, a.parentId ?? null),
    from: a.from, change: a.change ?? 'created', details: a.details ?? {},
  });
  return id;
}

async function requireNewCode(trx: Trx, code: string): Promise<void> {
  checkAgencyCode(code);
  const taken = await trx.selectFrom('agencies').select('id').where('code', '=', code).executeTakeFirst();
  if (taken) throw new KysoError('conflict', `agency code ${code} is already taken`);
}

/** Maps a unique-constraint violation (a concurrent change got there first) to 'conflict'. */
async function mapUniqueViolation<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isKysoError(e)) throw e;
    const code = (e as { code?: string }).code ?? '';
    if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new KysoError('conflict', `${what}: a concurrent change got there first, or the value is already taken — reload and try again`, { cause: e });
    }
    throw e;
  }
}

export async function createAgency(ctx: ServerContext, p: Principal, input: NewAgency & { effectiveFrom?: Date }): Promise<AgencyDetail> {
  const now = ctx.clock.now();
  const from = checkNotFuture(ctx, input.effectiveFrom ?? now);
  checkAgencyCode(input.code);
  checkParentRule(input.level, input.parentId, input.code);
  const id = await mapUniqueViolation(`creating agency ${input.code}`, () => ctx.tx(async (trx) => {
    await requireNewCode(trx, input.code);
    if (input.parentId) {
      const parent = await trx.selectFrom('agencies').select(['code', 'status']).where('id', '=', input.parentId).executeTakeFirst();
      if (!parent) throw new KysoError('not-found', `parent agency ${input.parentId} not found`);
      if (parent.status !== 'active') throw new KysoError('conflict', `parent agency ${parent.code} is dissolved`);
    }
    const id = await insertAgencyRow(trx, { ...input, from, now });
    await ctx.audit(trx, { actor: actorOf(p), agencyId: id, action: 'agency.created', target: input.code, details: { id, name: input.name, shortName: input.shortName, level: input.level, parentId: input.parentId ?? null, effectiveFrom: from } });
    return id;
  }));
  return getAgency(ctx, id);
}

export async function renameAgency(ctx: ServerContext, p: Principal, input: { id: string; name: string; shortName?: string; effectiveFrom: Date }): Promise<AgencyDetail> {
  const id = input.id;
  const now = ctx.clock.now();
  const from = checkNotFuture(ctx, input.effectiveFrom);
  await mapUniqueViolation(`renaming agency ${id}`, () => ctx.tx(async (trx) => {
    const { agency, current } = await loadChangeableAgency(trx, { id, from, role: 'the' });
    const shortName = input.shortName ?? current.short_name;
    if (input.name === current.name && shortName === current.short_name) throw new KysoError('invalid-argument', `${agency.code} already has that name`);
    const version = Number(current.version) + 1;
    await appendVersion(trx, { agencyId: id, now, version, name: input.name, shortName, parentName: await findCurrentName(trx, agency.parent_id), from, change: 'renamed', details: { previousName: current.name } });
    await ctx.audit(trx, { actor: actorOf(p), agencyId: id, action: 'agency.renamed', target: agency.code, details: { version, from: current.name, to: input.name, shortName, effectiveFrom: from } });
  }));
  return getAgency(ctx, id);
}

/** An agency's ancestors, nearest first (guards against cycles in stored data). */
async function listAncestors(trx: Trx, id: string): Promise<string[]> {
  const out: string[] = [];
  let cur = (await trx.selectFrom('agencies').select('parent_id').where('id', '=', id).executeTakeFirst())?.parent_id ?? null;
  while (cur && !out.includes(cur)) {
    out.push(cur);
    cur = (await trx.selectFrom('agencies').select('parent_id').where('id', '=', cur).executeTakeFirst())?.parent_id ?? null;
  }
  return out;
}

/**
 * Moves the active subordinates of a dissolved agency under `newParentId`, each with a 'moved'
 * version (its parent's name is part of its heading, Decree 30/2020/NĐ-CP Appendix I).
 */
async function moveChildren(trx: Trx, m: { fromId: string; newParentId: string | null; from: string; now: Date; skip?: ReadonlySet<string> }): Promise<Array<{ id: string; code: string }>> {
  const { fromId, newParentId, from, now } = m;
  const children = await trx.selectFrom('agencies').select(['id', 'code']).where('parent_id', '=', fromId).where('status', '=', 'active').orderBy('code').execute();
  const parentName = await findCurrentName(trx, newParentId);
  const moved: Array<{ id: string; code: string }> = [];
  for (const c of children) {
    if (m.skip?.has(c.id)) continue;
    const { current } = await loadChangeableAgency(trx, { id: c.id, from, role: 'subordinate' });
    await trx.updateTable('agencies').set({ parent_id: newParentId }).where('id', '=', c.id).execute();
    await appendVersion(trx, {
      agencyId: c.id, now, version: Number(current.version) + 1, name: current.name, shortName: current.short_name, parentName, from, change: 'moved',
      details: { fromParentId: fromId, toParentId: newParentId },
    });
    moved.push(c);
  }
  return moved;
}

/** Ends a dissolved agency: a zero-length final version records the event; its API tokens stop working. */
async function dissolve(trx: Trx, d: { current: AgencyVersionsTable; from: string; now: Date; change: string; details: Record<string, unknown> }): Promise<number> {
  const { current, now } = d;
  const agencyId = current.agency_id;
  await appendVersion(trx, { agencyId, now, version: Number(current.version) + 1, name: current.name, shortName: current.short_name, parentName: current.parent_name, from: d.from, to: d.from, change: d.change, details: d.details });
  await trx.updateTable('agencies').set({ status: 'dissolved' }).where('id', '=', agencyId).execute();
  const r = await trx.updateTable('api_tokens').set({ revoked_at: now.toISOString() }).where('agency_id', '=', agencyId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export interface MergeInput { sourceIds: string[]; targetId: string; effectiveFrom: Date; newName?: string; newShortName?: string }

/**
 * Merges agencies into a target (the 2025 restructuring merged communes and dissolved the district
 * level): each source gets a final 'merged-into' version and is dissolved, its people and active
 * subordinates move to the target, and the target gets an 'absorbed' version (with a new name if
 * one is given). Old versions stay, so documents signed before keep their agency's name.
 */
export async function mergeAgencies(ctx: ServerContext, p: Principal, input: MergeInput): Promise<AgencyDetail & { movedUsers: number; movedAgencies: number }> {
  const now = ctx.clock.now();
  const from = checkNotFuture(ctx, input.effectiveFrom);
  const sources = [...new Set(input.sourceIds)];
  if (sources.length !== input.sourceIds.length) throw new KysoError('invalid-argument', 'sourceIds lists an agency twice');
  if (sources.includes(input.targetId)) throw new KysoError('invalid-argument', 'the target agency cannot also be a source');
  const result = await mapUniqueViolation('merging agencies', () => ctx.tx(async (trx) => {
    const target = await loadChangeableAgency(trx, { id: input.targetId, from, role: 'target' });
    const src = [];
    for (const id of sources) src.push(await loadChangeableAgency(trx, { id, from, role: 'source' }));
    const ancestors = new Set(await listAncestors(trx, input.targetId));
    const above = src.find((s) => ancestors.has(s.agency.id));
    if (above) throw new KysoError('invalid-argument', `the target ${target.agency.code} lies under source ${above.agency.code}: merge into an agency outside it`);
    const srcSet = new Set(sources);
    const srcInfo = src.map((s) => ({ id: s.agency.id, code: s.agency.code, name: s.current.name }));
    const movedAgencies: Array<{ id: string; code: string }> = [];
    let movedUsers = 0;
    let revokedTokens = 0;
    for (const s of src) {
      revokedTokens += await dissolve(trx, { current: s.current, from, now, change: 'merged-into', details: { targetId: target.agency.id, targetCode: target.agency.code } });
      movedAgencies.push(...await moveChildren(trx, { fromId: s.agency.id, newParentId: target.agency.id, from, now, skip: srcSet }));
      const people = await trx.selectFrom('users').select(['id', 'username']).where('agency_id', '=', s.agency.id).orderBy('username').execute();
      if (people.length) await trx.updateTable('users').set({ agency_id: target.agency.id }).where('agency_id', '=', s.agency.id).execute();
      for (const u of people) {
        await ctx.audit(trx, { actor: actorOf(p), agencyId: target.agency.id, action: 'user.moved', target: u.username, details: { userId: u.id, fromAgencyId: s.agency.id, toAgencyId: target.agency.id, reason: 'agency.merged' } });
      }
      movedUsers += people.length;
    }
    const version = Number(target.current.version) + 1;
    await appendVersion(trx, {
      agencyId: target.agency.id, now, version, name: input.newName ?? target.current.name, shortName: input.newShortName ?? target.current.short_name,
      parentName: await findCurrentName(trx, target.agency.parent_id), from, change: 'absorbed', details: { sources: srcInfo },
    });
    await ctx.audit(trx, {
      actor: actorOf(p), agencyId: target.agency.id, action: 'agency.merged', target: target.agency.code,
      details: { sources: srcInfo, targetId: target.agency.id, version, name: input.newName ?? target.current.name, effectiveFrom: from, movedUsers, movedAgencies, revokedTokens },
    });
    return { movedUsers, movedAgencies: movedAgencies.length };
  }));
  return { ...(await getAgency(ctx, input.targetId)), ...result };
}

export interface SplitInput {
  id: string;
  into: Array<Omit<NewAgency, 'level' | 'parentId'> & { level?: string; userIds?: string[] }>;
  effectiveFrom: Date;
  keepSource?: boolean;
}

/**
 * Splits an agency: new agencies (same parent, 'split-from' first version) and, unless
 * `keepSource`, the source dissolved with a final 'split-into' version (its subordinates move to its
 * parent). `userIds` moves named people of the source into each new agency; others stay with the
 * source (a system administrator moves them later).
 */
export async function splitAgency(ctx: ServerContext, p: Principal, input: SplitInput): Promise<{ source: AgencyDetail; created: AgencyDetail[]; unassignedUsers: number }> {
  const { id } = input;
  const now = ctx.clock.now();
  const from = checkNotFuture(ctx, input.effectiveFrom);
  const codes = input.into.map((i) => i.code);
  if (new Set(codes).size !== codes.length) throw new KysoError('invalid-argument', 'two new agencies have the same code');
  const userIds = input.into.flatMap((i) => i.userIds ?? []);
  if (new Set(userIds).size !== userIds.length) throw new KysoError('invalid-argument', 'a person is assigned to two new agencies');
  for (const c of codes) checkAgencyCode(c);
  const out = await mapUniqueViolation(`splitting agency ${id}`, () => ctx.tx(async (trx) => {
    const source = await loadChangeableAgency(trx, { id, from, role: 'the' });
    const created: Array<{ id: string; code: string; name: string }> = [];
    for (const item of input.into) {
      const level = item.level ?? source.agency.level;
      checkParentRule(level, source.agency.parent_id, item.code);
      await requireNewCode(trx, item.code);
      const newId = await insertAgencyRow(trx, { ...item, level, parentId: source.agency.parent_id, from, now, change: 'split-from', details: { sourceId: id, sourceCode: source.agency.code } });
      for (const uid of item.userIds ?? []) {
        const u = await trx.selectFrom('users').select(['id', 'username', 'agency_id']).where('id', '=', uid).executeTakeFirst();
        if (!u || u.agency_id !== id) throw new KysoError('invalid-argument', `user ${uid} is not a member of ${source.agency.code}`);
        await trx.updateTable('users').set({ agency_id: newId }).where('id', '=', uid).execute();
        await ctx.audit(trx, { actor: actorOf(p), agencyId: newId, action: 'user.moved', target: u.username, details: { userId: uid, fromAgencyId: id, toAgencyId: newId, reason: 'agency.split' } });
      }
      created.push({ id: newId, code: item.code, name: item.name });
    }
    const details = { into: created };
    let movedAgencies: Array<{ id: string; code: string }> = [];
    let revokedTokens = 0;
    if (input.keepSource) {
      await appendVersion(trx, { agencyId: id, now, version: Number(source.current.version) + 1, name: source.current.name, shortName: source.current.short_name, parentName: source.current.parent_name, from, change: 'split-into', details });
    } else {
      revokedTokens = await dissolve(trx, { current: source.current, from, now, change: 'split-into', details });
      movedAgencies = await moveChildren(trx, { fromId: id, newParentId: source.agency.parent_id, from, now });
    }
    const left = await trx.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).where('agency_id', '=', id).executeTakeFirstOrThrow();
    await ctx.audit(trx, {
      actor: actorOf(p), agencyId: id, action: 'agency.split', target: source.agency.code,
      details: { into: created, keepSource: input.keepSource ?? false, effectiveFrom: from, movedUsers: userIds.length, movedAgencies, revokedTokens },
    });
    return { ids: created.map((c) => c.id), unassignedUsers: input.keepSource ? 0 : Number(left.n) };
  }));
  const created = [];
  for (const c of out.ids) created.push(await getAgency(ctx, c));
  return { source: await getAgency(ctx, id), created, unassignedUsers: out.unassignedUsers };
}

// ---------------------------------------------------------------------------------------------
// People

/** Usernames: 3–64 lower-case letters, digits, '.', '_' or '-' (login lower-cases what is typed). */
export const USERNAME = /^[a-z0-9._-]{3,64}$/;
/** Identity number of an official: the 12-digit citizen identity card number (CCCD). */
export const PERSON_UID = /^CCCD:\d{12}$/;
function checkUid(uid: string | null | undefined): void {
  if (uid && !PERSON_UID.test(uid)) throw new KysoError('invalid-argument', 'uid must be CCCD: followed by the 12-digit citizen identity number');
}
/** Roles only a system administrator may grant (or hold on people an agency administrator manages). */
const PRIVILEGED: readonly Role[] = ['sysadmin', 'auditor'];
/** Largest accepted image (seal or signature), bytes. */
export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;

export interface UserDetail {
  id: string; username: string; fullName: string; agencyId: string; position: string; roles: Role[];
  uid: string | null; status: string; hasSignature: boolean; lockedUntil: string | null; createdAt: string;
}

/** A person as the API shows them: never the password hash. */
export function toUserDetail(u: UsersTable): UserDetail {
  return {
    id: u.id, username: u.username, fullName: u.full_name, agencyId: u.agency_id, position: u.position, roles: parseRoles(u.roles),
    uid: u.uid, status: u.status, hasSignature: u.signature_sha256 !== null, lockedUntil: u.locked_until, createdAt: u.created_at,
  };
}

export interface NewUser { username: string; fullName: string; position: string; roles: Role[]; uid?: string | null; email?: string | null }

/** Inserts a person (no checks: callers validate; the seed uses it too). */
export async function insertUserRow(trx: Trx, u: NewUser & { agencyId: string; passwordHash: string | null; now: Date; signatureSha?: string | null }): Promise<string> {
  const id = randomUUID();
  await trx.insertInto('users').values({
    id, username: u.username, full_name: u.fullName, agency_id: u.agencyId, position: u.position, roles: [...new Set(u.roles)].join(','), uid: u.uid ?? null,
    email: u.email ?? null, password_hash: u.passwordHash, signature_sha256: u.signatureSha ?? null, status: 'active', failed_logins: 0, locked_until: null, created_at: u.now.toISOString(),
  }).execute();
  return id;
}

/**
 * The principal administers people of `agencyId`: a system administrator anywhere, an agency
 * administrator in its own agency only.
 */
function requireAdminOf(p: Principal, agencyId: string, what: string): void {
  if (p.kind === 'user' && p.roles.has('sysadmin')) return;
  if (p.kind !== 'user' || !p.roles.has('agency_admin')) throw new KysoError('forbidden', `only an administrator may ${what}`);
  if (p.agencyId !== agencyId) throw new KysoError('forbidden', `you may ${what} only in your own agency`);
}

/** What an agency administrator may not touch: granting, removing or holding privileged roles. */
function requireRolesGrantable(p: Principal, roles: readonly Role[], what: string): void {
  if (hasRole(p, 'sysadmin')) return;
  const bad = roles.filter((r) => PRIVILEGED.includes(r));
  if (bad.length) throw new KysoError('forbidden', `only a system administrator may ${what} the ${bad.join(', ')} role`);
}

async function loadUser(db: Trx | Db['kysely'], id: string): Promise<UsersTable> {
  const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!u) throw new KysoError('not-found', `user ${id} not found`);
  return u;
}

/** An administrator acting on an existing person: their agency, and no privileged target for agency admins. */
function requireManages(p: Principal, u: UsersTable, what: string): void {
  requireAdminOf(p, u.agency_id, what);
  requireRolesGrantable(p, parseRoles(u.roles), `${what} a holder of`);
}

async function requireActiveAgency(db: Trx, agencyId: string): Promise<void> {
  const a = await db.selectFrom('agencies').select(['code', 'status']).where('id', '=', agencyId).executeTakeFirst();
  if (!a) throw new KysoError('not-found', `agency ${agencyId} not found`);
  if (a.status !== 'active') throw new KysoError('conflict', `agency ${a.code} is dissolved: it can have no people`);
}

export async function listUsers(ctx: Pick<ServerContext, 'db'>, p: Principal, q: { agencyId?: string; limit: number; offset: number }): Promise<{ users: UserDetail[]; total: number }> {
  const agencyId = hasRole(p, 'sysadmin') ? q.agencyId : p.agencyId;
  if (!hasRole(p, 'sysadmin')) requireAdminOf(p, q.agencyId ?? p.agencyId, 'list people');
  let base = ctx.db.kysely.selectFrom('users');
  if (agencyId) base = base.where('agency_id', '=', agencyId);
  const rows = await base.selectAll().orderBy('username').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  return { users: rows.map(toUserDetail), total: Number(total.n) };
}

export async function getUser(ctx: Pick<ServerContext, 'db'>, p: Principal, id: string): Promise<UserDetail> {
  const u = await loadUser(ctx.db.kysely, id);
  if (p.id !== u.id) requireAdminOf(p, u.agency_id, 'see people');
  return toUserDetail(u);
}

export async function createUser(ctx: ServerContext, p: Principal, input: NewUser & { password: string; agencyId?: string }): Promise<UserDetail> {
  const agencyId = input.agencyId ?? p.agencyId;
  requireAdminOf(p, agencyId, 'create people');
  requireRolesGrantable(p, input.roles, 'grant');
  checkUid(input.uid);
  const passwordHash = await hashPassword(input.password);
  const id = await mapUniqueViolation(`creating user ${input.username}`, () => ctx.tx(async (trx) => {
    await requireActiveAgency(trx, agencyId);
    const taken = await trx.selectFrom('users').select('id').where('username', '=', input.username).executeTakeFirst();
    if (taken) throw new KysoError('conflict', `username ${input.username} is already taken`);
    const id = await insertUserRow(trx, { ...input, agencyId, passwordHash, now: ctx.clock.now() });
    await ctx.audit(trx, { actor: actorOf(p), agencyId, action: 'user.created', target: input.username, details: { userId: id, fullName: input.fullName, position: input.position, roles: input.roles, uid: input.uid ?? null } });
    return id;
  }));
  return toUserDetail(await loadUser(ctx.db.kysely, id));
}

export interface UserPatch { id: string; fullName?: string; position?: string; roles?: Role[]; status?: 'active' | 'disabled'; uid?: string | null; agencyId?: string }

export async function updateUser(ctx: ServerContext, p: Principal, patch: UserPatch): Promise<UserDetail> {
  const { id } = patch;
  checkUid(patch.uid);
  await ctx.tx(async (trx) => {
    const u = await loadUser(trx, id);
    requireManages(p, u, 'change');
    if (patch.roles) requireRolesGrantable(p, patch.roles, 'grant');
    if (patch.agencyId !== undefined && patch.agencyId !== u.agency_id) {
      if (!hasRole(p, 'sysadmin')) throw new KysoError('forbidden', 'only a system administrator moves people between agencies');
      await requireActiveAgency(trx, patch.agencyId);
    }
    if (p.id === id && patch.status === 'disabled') throw new KysoError('conflict', 'you cannot disable your own account: ask another administrator');
    if (p.id === id && patch.roles && hasRole(p, 'sysadmin') && !patch.roles.includes('sysadmin')) {
      throw new KysoError('conflict', 'you cannot remove your own sysadmin role: ask another system administrator');
    }
    const set: Partial<UsersTable> = {};
    const changes: Record<string, unknown> = {};
    const note = <K extends keyof UsersTable>(col: K, value: UsersTable[K] | undefined, name: string) => {
      if (value === undefined || value === u[col]) return;
      set[col] = value;
      changes[name] = { from: u[col], to: value };
    };
    note('full_name', patch.fullName, 'fullName');
    note('position', patch.position, 'position');
    note('roles', patch.roles ? [...new Set(patch.roles)].join(',') : undefined, 'roles');
    note('status', patch.status, 'status');
    note('uid', patch.uid, 'uid');
    note('agency_id', patch.agencyId, 'agencyId');
    if (patch.status === 'active' && u.status !== 'active') { set.failed_logins = 0; set.locked_until = null; }
    if (Object.keys(changes).length === 0) return;
    await trx.updateTable('users').set(set).where('id', '=', id).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: patch.agencyId ?? u.agency_id, action: 'user.updated', target: u.username, details: { userId: id, changes } });
  });
  return toUserDetail(await loadUser(ctx.db.kysely, id));
}

/** An administrator sets a new password: lockout cleared, every session of that person ended. */
export async function resetPassword(ctx: ServerContext, p: Principal, { id, password }: { id: string; password: string }): Promise<void> {
  const u = await loadUser(ctx.db.kysely, id);
  requireManages(p, u, 'reset passwords of');
  const hash = await hashPassword(password);
  const now = ctx.clock.now().toISOString();
  await ctx.tx(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash, failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
    await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: u.agency_id, action: 'user.password-reset', target: u.username, details: { userId: id } });
  });
}

/** The caller changes their own password (the current one is checked); their other sessions end. */
export async function changeOwnPassword(ctx: ServerContext, p: Principal, { current, next }: { current: string; next: string }): Promise<void> {
  if (p.kind !== 'user') throw new KysoError('forbidden', 'an API token has no password');
  const u = await loadUser(ctx.db.kysely, p.id);
  if (!(await verifyPassword(u.password_hash, current))) throw new KysoError('forbidden', 'the current password is wrong');
  if (current === next) throw new KysoError('invalid-argument', 'the new password must differ from the current one');
  const hash = await hashPassword(next);
  const now = ctx.clock.now().toISOString();
  await ctx.tx(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', p.id).execute();
    let others = trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', p.id).where('revoked_at', 'is', null);
    if (p.sessionId) others = others.where('id', '!=', p.sessionId);
    await others.execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: u.agency_id, action: 'user.password-changed', target: u.username, details: { userId: p.id } });
  });
}

/** Checks an uploaded image with core's PNG decoder (seal or signature); 400 when it is not one. */
export function checkPngImage(bytes: Uint8Array, what: string): { width: number; height: number } {
  if (bytes.length > IMAGE_MAX_BYTES) throw new KysoError('too-large', `the ${what} image is larger than ${IMAGE_MAX_BYTES / (1024 * 1024)} MiB`);
  try {
    const img = decodePng(bytes);
    return { width: img.width, height: img.height };
  } catch (e) {
    if (!isKysoError(e)) throw e;
    throw new KysoError('invalid-argument', `the ${what} image is not a usable PNG: ${e.message}`, { cause: e });
  }
}

/** The leader's handwritten-signature image: set by the person, or by their agency's administrator. */
export async function setSignature(ctx: ServerContext, p: Principal, { id, png }: { id: string; png: Uint8Array }): Promise<UserDetail> {
  const u = await loadUser(ctx.db.kysely, id);
  if (p.id !== id) {
    if (p.kind !== 'user' || !p.roles.has('agency_admin') || p.agencyId !== u.agency_id) {
      throw new KysoError('forbidden', "only the person or their agency's administrator may set a signature image");
    }
    requireRolesGrantable(p, parseRoles(u.roles), 'change a holder of');
  }
  const size = checkPngImage(png, 'signature');
  const sha = await ctx.blobs.put(png);
  await ctx.tx(async (trx) => {
    await trx.updateTable('users').set({ signature_sha256: sha }).where('id', '=', id).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId: u.agency_id, action: 'signature.set', target: u.username, details: { userId: id, sha256: sha, previous: u.signature_sha256, ...size } });
  });
  return toUserDetail(await loadUser(ctx.db.kysely, id));
}

/** The signature image: for the person, their agency's people, and system administrators. */
export async function getSignature(ctx: Pick<ServerContext, 'db' | 'blobs'>, p: Principal, id: string): Promise<Uint8Array> {
  const u = await loadUser(ctx.db.kysely, id);
  if (p.id !== id && !hasRole(p, 'sysadmin') && p.agencyId !== u.agency_id) throw new KysoError('forbidden', 'that person belongs to another agency');
  if (!u.signature_sha256) throw new KysoError('not-found', `${u.username} has no signature image`);
  return ctx.blobs.get(u.signature_sha256);
}

// ---------------------------------------------------------------------------------------------
// Seals

export interface SealView { id: string; agencyId: string; sha256: string; diameterMm: number; validFrom: string; validTo: string | null; createdBy: string; createdAt: string }

function toSealView(r: { id: string; agency_id: string; blob_sha256: string; diameter_mm: number; valid_from: string; valid_to: string | null; created_by: string; created_at: string }): SealView {
  return { id: r.id, agencyId: r.agency_id, sha256: r.blob_sha256, diameterMm: Number(r.diameter_mm), validFrom: r.valid_from, validTo: r.valid_to, createdBy: r.created_by, createdAt: r.created_at };
}

/** Physical seal diameters accepted, mm (agency seals are typically 32–42 mm). */
export const SEAL_DIAMETER_MM = { min: 20, max: 60 } as const;

/** Adds a seal image (PNG, physical diameter, validity) for an agency: its own administrator or a system administrator. */
export async function addSeal(ctx: ServerContext, p: Principal, o: { agencyId: string; png: Uint8Array; diameterMm: number; validFrom?: Date; validTo?: Date }): Promise<SealView> {
  const { agencyId, png } = o;
  requireAdminOf(p, agencyId, 'add seals');
  if (!(o.diameterMm >= SEAL_DIAMETER_MM.min && o.diameterMm <= SEAL_DIAMETER_MM.max)) {
    throw new KysoError('invalid-argument', `diameterMm must be between ${SEAL_DIAMETER_MM.min} and ${SEAL_DIAMETER_MM.max}`);
  }
  const now = ctx.clock.now();
  const validFrom = (o.validFrom ?? now).toISOString();
  const validTo = o.validTo?.toISOString() ?? null;
  if (validTo !== null && validTo <= validFrom) throw new KysoError('invalid-argument', `validTo ${validTo} must be after validFrom ${validFrom}`);
  const agency = await ctx.db.kysely.selectFrom('agencies').select(['code', 'status']).where('id', '=', agencyId).executeTakeFirst();
  if (!agency) throw new KysoError('not-found', `agency ${agencyId} not found`);
  if (agency.status !== 'active') throw new KysoError('conflict', `agency ${agency.code} is dissolved`);
  const size = checkPngImage(png, 'seal');
  const sha = await ctx.blobs.put(png);
  const id = randomUUID();
  await ctx.tx(async (trx) => {
    await trx.insertInto('seals').values({ id, agency_id: agencyId, blob_sha256: sha, diameter_mm: o.diameterMm, valid_from: validFrom, valid_to: validTo, created_by: actorOf(p), created_at: now.toISOString() }).execute();
    await ctx.audit(trx, { actor: actorOf(p), agencyId, action: 'seal.added', target: id, details: { agencyCode: agency.code, sha256: sha, diameterMm: o.diameterMm, validFrom, validTo, ...size } });
  });
  return toSealView(await ctx.db.kysely.selectFrom('seals').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
}

function requireSealReader(p: Principal, agencyId: string): void {
  if (hasRole(p, 'sysadmin')) return;
  if (p.agencyId !== agencyId) throw new KysoError('forbidden', "that agency's seals belong to another agency");
}

export async function listSeals(ctx: Pick<ServerContext, 'db'>, p: Principal, agencyId: string): Promise<SealView[]> {
  const exists = await ctx.db.kysely.selectFrom('agencies').select('id').where('id', '=', agencyId).executeTakeFirst();
  if (!exists) throw new KysoError('not-found', `agency ${agencyId} not found`);
  requireSealReader(p, agencyId);
  const rows = await ctx.db.kysely.selectFrom('seals').selectAll().where('agency_id', '=', agencyId).orderBy('valid_from', 'desc').orderBy('created_at', 'desc').execute();
  return rows.map(toSealView);
}

export async function readSealImage(ctx: Pick<ServerContext, 'db' | 'blobs'>, p: Principal, sealId: string): Promise<Uint8Array> {
  const row = await ctx.db.kysely.selectFrom('seals').select(['agency_id', 'blob_sha256']).where('id', '=', sealId).executeTakeFirst();
  if (!row) throw new KysoError('not-found', `seal ${sealId} not found`);
  requireSealReader(p, row.agency_id);
  return ctx.blobs.get(row.blob_sha256);
}
