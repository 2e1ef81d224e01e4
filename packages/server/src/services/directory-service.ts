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
import { KysoError } from '@kyso/core';
import type { Db } from '../store/database.ts';
import type { BlobStore } from '../blobs/blob-store.ts';
import type { Trx } from './server-context.ts';

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
