/**
 * An agency's outgoing documents and their Decree 30/2020/NĐ-CP life (Art. 13–19, DOMAIN.md §2):
 * an officer (or another system, with an API token) uploads the draft PDF; the **leader signs** it
 * with a personal certificate, the handwritten-signature image between position and name (the
 * `official` preset); the System gives it its **number and date** (Art. 15–16, numbering.ts); the
 * **clerk** checks the leader's signature and applies the **agency seal** with the agency
 * certificate — the red seal at its registered size over the left third of the leader's signature
 * (the `agency` preset); a separate attachment file gets the agency signature at the top right of
 * page 1 with the main document's number (the `attachment` preset). Both signatures are PAdES at the
 * configured level (B-T by default, time-stamped by the built-in TSA).
 *
 * Documents belong to their agency alone: nobody else reads, signs or seals them — not even a system
 * administrator — and another agency's document answers 404, as an unknown one does.
 *
 * Crash safety: every change writes the new PDF to the blob store first (fsync + rename), then ONE
 * transaction moves the row (status, revision, blob), adds the document_events row, the audit entry
 * and the webhook event, guarded by the revision read before (a concurrent change makes it fail,
 * nothing half-done). A crash between the two leaves an unreferenced blob and the document as it
 * was. The number is reserved and written onto the document in its own transaction *before* the
 * sealed PDF is made, so sealing again after a crash reuses that document's number.
 */
import { randomUUID } from 'node:crypto';
import { KysoError, isKysoError, parseCertificate, type ErrorKind, type ParsedCertificate } from '@kyso/core';
import { openPdfForUpdate } from '@kyso/core/pdf/pdf-signature.ts';
import { decodePng, type DecodedImage } from '@kyso/core/pdf/png.ts';
import type { Selectable } from 'kysely';
import type { DocumentsTable } from '../store/database.ts';
import { actorOf, hasRole, type Principal } from '../auth/principal.ts';
import type { ServerContext } from './server-context.ts';
import { openCredential, type UsableCredential } from './credentials.ts';
import { consumeApproval, type Approval, type ApprovalAction } from './approvals.ts';
import { agenciesInheritedBy, agencyVersionAt, currentSeal, type AgencyVersionRef } from './directory-service.ts';
import { signPdf, type SignPdfParams, type SignPdfResult } from './pdf-signing.ts';
import { documentNumberEntries, signatureLayout } from './pdf-layout.ts';
import { verifyPdfDocument } from './pdf-verification.ts';
import { checkSeries, displayDate, reserveDocumentNumber } from './numbering.ts';

type DocumentRow = Selectable<DocumentsTable>;

export interface DocumentView {
  id: string; agencyId: string; agencyVersion: number; kind: 'document' | 'attachment'; parentId: string | null;
  title: string; series: string; status: 'draft' | 'signed' | 'sealed'; revision: number; sha256: string; originalSha256: string;
  filename: string; createdBy: string; createdAt: string; updatedAt: string;
  signedBy: string | null; signedAt: string | null; sealedBy: string | null; sealedAt: string | null;
  number: number | null; numberYear: number | null; numberText: string | null; docDate: string | null;
}

export interface DocumentEventView { revision: number; action: string; actor: string; sha256: string; details: Record<string, unknown>; at: string }

export function toDocumentView(r: DocumentRow): DocumentView {
  return {
    id: r.id, agencyId: r.agency_id, agencyVersion: Number(r.agency_version), kind: r.kind, parentId: r.parent_id,
    title: r.title, series: r.series, status: r.status, revision: Number(r.revision), sha256: r.blob_sha256, originalSha256: r.original_sha256,
    filename: r.filename, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
    signedBy: r.signed_by, signedAt: r.signed_at, sealedBy: r.sealed_by, sealedAt: r.sealed_at,
    number: r.number === null ? null : Number(r.number), numberYear: r.number_year === null ? null : Number(r.number_year), numberText: r.number_text, docDate: r.doc_date,
  };
}

/**
 * A document the caller may read: its own agency's, or one of an agency merged into it (the
 * successor keeps the records). Anything else is 'not-found', like an unknown id.
 */
async function readableDocument(ctx: ServerContext, principal: Principal, id: string): Promise<DocumentRow> {
  const row = await ctx.db.kysely.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !(await agenciesInheritedBy(ctx, principal.agencyId)).includes(row.agency_id)) throw new KysoError('not-found', `document ${id} not found`);
  return row;
}

/** The caller's own agency's document (to sign, seal or attach to); another agency's is 'not-found', like an unknown id. */
async function ownDocument(ctx: ServerContext, principal: Principal, id: string): Promise<DocumentRow> {
  const row = await ctx.db.kysely.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.agency_id !== principal.agencyId) throw new KysoError('not-found', `document ${id} not found`);
  return row;
}

/** The same guard signing uses (core's openPdfForUpdate), with upload-worded 400s. */
async function checkSignablePdf(bytes: Uint8Array): Promise<void> {
  if (bytes.length === 0) throw new KysoError('invalid-argument', 'the request body is empty: send the PDF (Content-Type: application/pdf)');
  try {
    await openPdfForUpdate(bytes);
  } catch (e) {
    if (!isKysoError(e)) throw e;
    const why = e.kind === 'auth' ? 'the PDF is encrypted: upload it without a password' : e.message;
    throw new KysoError('invalid-argument', `this file cannot be signed: ${why}`, { cause: e });
  }
}

export interface UploadParams {
  bytes: Uint8Array;
  title: string;
  series?: string;
  kind: 'document' | 'attachment';
  parentId?: string;
  filename?: string;
}

/** Stores a draft: blob first, then the row, revision 1 event, audit and webhook event in one transaction. */
export async function uploadDocument(ctx: ServerContext, principal: Principal, p: UploadParams): Promise<DocumentView> {
  const title = p.title.trim();
  if (!title) throw new KysoError('invalid-argument', 'the title is empty');
  let series = p.series;
  let parentId: string | null = null;
  if (p.kind === 'attachment') {
    if (!p.parentId) throw new KysoError('invalid-argument', 'an attachment needs parentId: the main document it goes with');
    const parent = await ownDocument(ctx, principal, p.parentId);
    if (parent.kind !== 'document') throw new KysoError('invalid-argument', 'an attachment goes with a main document, not with another attachment');
    if (parent.status === 'sealed') throw new KysoError('conflict', `the main document is already issued as ${parent.number_text}: attachments are added before it is sealed`);
    parentId = parent.id;
    series ??= parent.series;
  } else if (p.parentId) {
    throw new KysoError('invalid-argument', 'parentId is only for attachments (kind=attachment)');
  }
  if (!series) throw new KysoError('invalid-argument', 'the series (document type: QĐ, CV, TTr, BC, TB, …) is required');
  checkSeries(series);
  await checkSignablePdf(p.bytes);
  const now = ctx.clock.now();
  const version = await agencyVersionAt(ctx, principal.agencyId, now);
  const sha = await ctx.blobs.put(p.bytes);
  const id = randomUUID();
  const actor = actorOf(principal);
  const row: DocumentRow = {
    id, agency_id: principal.agencyId, agency_version: version.version, kind: p.kind, parent_id: parentId, title, series, status: 'draft',
    blob_sha256: sha, original_sha256: sha, filename: p.filename ?? 'document.pdf', created_by: actor, created_at: now.toISOString(),
    updated_at: now.toISOString(), revision: 1, signed_by: null, signed_at: null, sealed_by: null, sealed_at: null,
    number: null, number_year: null, number_text: null, doc_date: null,
  };
  await ctx.tx(async (trx) => {
    await trx.insertInto('documents').values(row).execute();
    await trx.insertInto('document_events').values({
      document_id: id, revision: 1, action: 'uploaded', actor, blob_sha256: sha, at: now.toISOString(),
      details: JSON.stringify({ title, series, kind: p.kind, parentId, bytes: p.bytes.length }),
    }).execute();
    await ctx.audit(trx, { actor, agencyId: principal.agencyId, action: 'document.uploaded', target: id, details: { revision: 1, sha256: sha, title, series, kind: p.kind, parentId } });
    await ctx.emit(trx, { type: 'document.uploaded', agencyId: principal.agencyId, data: { id, title, series, kind: p.kind, parentId, sha256: sha } });
  });
  return toDocumentView(row);
}

export interface ListParams { status?: DocumentRow['status']; series?: string; kind?: DocumentRow['kind']; limit: number; offset: number }

export async function listDocuments(ctx: ServerContext, principal: Principal, p: ListParams): Promise<{ items: DocumentView[]; total: number; limit: number; offset: number }> {
  let q = ctx.db.kysely.selectFrom('documents').where('agency_id', 'in', await agenciesInheritedBy(ctx, principal.agencyId));
  if (p.status) q = q.where('status', '=', p.status);
  if (p.series) q = q.where('series', '=', p.series);
  if (p.kind) q = q.where('kind', '=', p.kind);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'asc').limit(p.limit).offset(p.offset).execute();
  const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { items: rows.map(toDocumentView), total, limit: p.limit, offset: p.offset };
}

export async function getDocument(ctx: ServerContext, principal: Principal, id: string): Promise<{ document: DocumentView; events: DocumentEventView[] }> {
  const row = await readableDocument(ctx, principal, id);
  const events = await ctx.db.kysely.selectFrom('document_events').selectAll().where('document_id', '=', id).orderBy('revision', 'asc').execute();
  return {
    document: toDocumentView(row),
    events: events.map((e) => ({ revision: Number(e.revision), action: e.action, actor: e.actor, sha256: e.blob_sha256, details: JSON.parse(e.details) as Record<string, unknown>, at: e.at })),
  };
}

/** The PDF of the current revision, or of `revision` (each revision's bytes are kept). */
export async function documentPdf(ctx: ServerContext, principal: Principal, id: string, revision?: number): Promise<{ bytes: Uint8Array; filename: string; revision: number }> {
  const row = await readableDocument(ctx, principal, id);
  if (revision === undefined || revision === Number(row.revision)) return { bytes: await ctx.blobs.get(row.blob_sha256), filename: row.filename, revision: Number(row.revision) };
  const ev = await ctx.db.kysely.selectFrom('document_events').select('blob_sha256').where('document_id', '=', id).where('revision', '=', revision).executeTakeFirst();
  if (!ev) throw new KysoError('not-found', `document ${id} has no revision ${revision} (it is at revision ${row.revision})`);
  return { bytes: await ctx.blobs.get(ev.blob_sha256), filename: row.filename, revision };
}

// ---------------------------------------------------------------------------------------------
// Signing and sealing

export type Placement = { anchor: string } | { page: number; xMm: number; yMm: number };

/**
 * The box the leader's signature image is fitted into at an explicit page position: the official
 * preset's own size (45 mm wide, at most 22 mm tall); the image keeps its aspect ratio, centred.
 */
const OFFICIAL_BOX_MM = { w: 45, h: 22 };

export interface BatchParams { documentIds: string[]; approval?: Approval; pin?: string }

export type BatchItem =
  | { id: string; ok: true; status: DocumentRow['status']; revision: number; sha256: string; numberText: string | null }
  | { id: string; ok: false; error: { kind: ErrorKind | 'internal'; message: string } };

export interface BatchResult { results: BatchItem[]; succeeded: number; failed: number }

/**
 * Every id must name a document of the caller's agency, once: otherwise the whole batch is refused
 * before anything is signed.
 */
async function batchDocuments(ctx: ServerContext, principal: Principal, ids: string[]): Promise<DocumentRow[]> {
  if (new Set(ids).size !== ids.length) throw new KysoError('invalid-argument', 'documentIds lists a document more than once');
  const rows = await ctx.db.kysely.selectFrom('documents').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.filter((r) => r.agency_id === principal.agencyId).map((r) => [r.id, r]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new KysoError('not-found', `document${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found: nothing was signed`);
  return ids.map((id) => byId.get(id)!);
}

/**
 * The holder's approval of this exact batch, then the key: a passkey assertion bound to the action
 * and these document ids (approvals.ts), or — for a key protected by a PIN — that PIN. A key without
 * a PIN is never used without a passkey approval. The PIN is checked first, without changing
 * anything; the approval is then spent (and audited). Any failure rejects the whole batch.
 */
async function authorizeKey(ctx: ServerContext, principal: Principal, action: ApprovalAction, p: BatchParams): Promise<SigningKey> {
  if (principal.kind !== 'user') throw new KysoError('forbidden', `only a person can ${action}`);
  const cred = await openCredential(ctx, { kind: action === 'sign' ? 'official' : 'agency', agencyId: principal.agencyId, userId: principal.id, pin: p.pin });
  const needsPin = await ctx.keys.needsPin(cred.row.key_id);
  if (p.approval) await consumeApproval(ctx, principal, p.approval, { action, documentIds: p.documentIds });
  else if (!needsPin) throw new KysoError('auth', `approve the ${action === 'sign' ? 'signature' : 'seal'} with your passkey (this signing key has no PIN)`);
  return { ...cred, certificate: parseCertificate(cred.certificateDer) };
}

type SigningKey = UsableCredential & { certificate: ParsedCertificate };

/** One PAdES signature with a holder's key at the configured level, time-stamped by the built-in TSA at `${publicUrl}/tsa`. */
function signWithKey(ctx: ServerContext, key: SigningKey, p: { input: Uint8Array; at: Date; layout: SignPdfParams['layout']; reason: string; location: string; extraEntries?: Record<string, string> }): Promise<SignPdfResult> {
  return signPdf({
    input: p.input, signer: key.signer, certificate: key.certificate, chain: key.chain, level: ctx.config.defaultLevel, tsaUrl: `${ctx.publicUrl}/tsa`,
    clock: { now: () => p.at }, crypto: ctx.crypto, layout: p.layout, reason: p.reason, location: p.location, extraEntries: p.extraEntries, timeoutMs: 30_000,
  });
}

function failure(ctx: ServerContext, id: string, e: unknown): BatchItem {
  if (isKysoError(e)) return { id, ok: false, error: { kind: e.kind, message: e.message } };
  ctx.log.error({ err: e, document: id }, 'document signing failed');
  return { id, ok: false, error: { kind: 'internal', message: 'internal error' } };
}

async function runBatch(ctx: ServerContext, rows: DocumentRow[], one: (row: DocumentRow) => Promise<DocumentRow>): Promise<BatchResult> {
  const results: BatchItem[] = [];
  for (const row of rows) {
    try {
      const r = await one(row);
      results.push({ id: r.id, ok: true, status: r.status, revision: Number(r.revision), sha256: r.blob_sha256, numberText: r.number_text });
    } catch (e) {
      results.push(failure(ctx, row.id, e));
    }
  }
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}

interface Transition {
  row: DocumentRow;
  to: 'signed' | 'sealed';
  bytes: Uint8Array;
  principal: Principal;
  at: Date;
  version: AgencyVersionRef;
  set: Partial<DocumentRow>;
  details: Record<string, unknown>;
}

/** Blob first, then one transaction: the guarded row update, its event, its audit entry, its webhook. */
async function commitTransition(ctx: ServerContext, t: Transition): Promise<DocumentRow> {
  const sha = await ctx.blobs.put(t.bytes);
  const revision = Number(t.row.revision) + 1;
  const actor = actorOf(t.principal);
  const at = t.at.toISOString();
  const next: DocumentRow = { ...t.row, ...t.set, status: t.to, blob_sha256: sha, revision, agency_version: t.version.version, updated_at: at };
  await ctx.tx(async (trx) => {
    const r = await trx.updateTable('documents')
      .set({ ...t.set, status: t.to, blob_sha256: sha, revision, agency_version: t.version.version, updated_at: at })
      .where('id', '=', t.row.id).where('status', '=', t.row.status).where('revision', '=', t.row.revision)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new KysoError('conflict', 'the document changed meanwhile (signed or sealed by another request): reload it');
    const details = { ...t.details, agencyVersion: t.version.version, previousSha256: t.row.blob_sha256 };
    await trx.insertInto('document_events').values({ document_id: t.row.id, revision, action: t.to, actor, blob_sha256: sha, details: JSON.stringify(details), at }).execute();
    await ctx.audit(trx, { actor, agencyId: t.row.agency_id, action: `document.${t.to}`, target: t.row.id, details: { revision, sha256: sha, ...details } });
    await ctx.emit(trx, {
      type: `document.${t.to}`, agencyId: t.row.agency_id,
      data: { id: t.row.id, title: t.row.title, series: t.row.series, kind: t.row.kind, revision, sha256: sha, number: next.number_text, date: next.doc_date },
    });
  });
  return next;
}

export interface SignParams extends BatchParams { placement?: Placement }

/**
 * The leader signs drafts of the agency (Decree 30, Art. 13: the competent person signs first):
 * one approval for the whole batch, then each document in turn; one that fails is reported and the
 * others go on.
 */
export async function signDocuments(ctx: ServerContext, principal: Principal, p: SignParams): Promise<BatchResult> {
  if (!hasRole(principal, 'leader')) throw new KysoError('forbidden', 'only a leader signs documents');
  const rows = await batchDocuments(ctx, principal, p.documentIds);
  const user = await ctx.db.kysely.selectFrom('users').select(['full_name', 'signature_sha256']).where('id', '=', principal.id).executeTakeFirstOrThrow();
  if (!user.signature_sha256) throw new KysoError('conflict', 'you have no handwritten-signature image on record: your agency administrator uploads it first');
  const image = decodePng(await ctx.blobs.get(user.signature_sha256));
  const key = await authorizeKey(ctx, principal, 'sign', p);
  const placement = p.placement;
  return runBatch(ctx, rows, async (row) => {
    if (row.kind !== 'document') throw new KysoError('conflict', 'an attachment is not signed by the leader: the clerk seals it once its main document is issued');
    if (row.status !== 'draft') throw new KysoError('conflict', `the document is already ${row.status}`);
    const at = ctx.clock.now();
    const version = await agencyVersionAt(ctx, row.agency_id, at);
    const input = await ctx.blobs.get(row.blob_sha256);
    const layout = signatureLayout({
      preset: 'official', signingTime: at, image,
      // No placement given: just above the leader's typed name when the document has it.
      anchor: placement && 'anchor' in placement ? placement.anchor : placement ? undefined : user.full_name, anchorOptional: !placement,
      ...(placement && 'page' in placement ? { page: placement.page, rect: { x: placement.xMm, y: placement.yMm, ...OFFICIAL_BOX_MM } } : {}),
    });
    const signed = await signWithKey(ctx, key, { input, at, layout, reason: 'Ký duyệt văn bản', location: version.name });
    return commitTransition(ctx, {
      row, to: 'signed', bytes: signed.bytes, principal, at, version,
      set: { signed_by: principal.id, signed_at: at.toISOString() },
      details: { certificate: key.row.serial, level: signed.level, field: signed.fieldName },
    });
  });
}

/**
 * Decree 30, Art. 5 and 16: the clerk seals only what the competent person has signed — a main
 * document signed by a leader of its own agency; an attachment whose main document is sealed, or is
 * sealed earlier in the same batch. Checked for the whole batch before anything is sealed.
 */
async function checkSealable(ctx: ServerContext, rows: DocumentRow[]): Promise<void> {
  const earlier = new Set<string>();
  for (const row of rows) {
    if (row.status !== 'sealed') {
      if (row.kind === 'document') {
        const signer = row.signed_by ? await ctx.db.kysely.selectFrom('users').select(['agency_id', 'roles']).where('id', '=', row.signed_by).executeTakeFirst() : undefined;
        if (row.status !== 'signed' || !signer || signer.agency_id !== row.agency_id || !signer.roles.split(',').includes('leader')) {
          throw new KysoError('conflict', `document ${row.id} cannot be sealed: its leader has not signed it (it is ${row.status}) — no clerk seals a document its leader has not signed`);
        }
      } else {
        const parent = row.parent_id ? await ctx.db.kysely.selectFrom('documents').select(['status', 'agency_id']).where('id', '=', row.parent_id).executeTakeFirst() : undefined;
        if (!parent || parent.agency_id !== row.agency_id) throw new KysoError('conflict', `attachment ${row.id} has lost its main document`);
        if (parent.status !== 'sealed' && !earlier.has(row.parent_id!)) {
          throw new KysoError('conflict', `attachment ${row.id} cannot be sealed before its main document (${row.parent_id}): it carries that document's number and date`);
        }
      }
    }
    earlier.add(row.id);
  }
}

/** Decree 30, Art. 16 step 3: the clerk checks the leader's signature before sealing. */
async function checkLeaderSignature(ctx: ServerContext, bytes: Uint8Array): Promise<void> {
  const report = await verifyPdfDocument(bytes, {
    trustAnchors: [(await ctx.ca.caCertificate('root')).der], revocation: 'online', crypto: ctx.crypto, clock: ctx.clock, timeoutMs: 10_000,
  });
  if (report.indication !== 'TOTAL_PASSED') {
    const why = report.signatures.flatMap((s) => s.reasons ?? []).join('; ') || report.indication;
    throw new KysoError('conflict', `the leader's signature does not verify (${why}): it cannot be sealed`);
  }
}

/**
 * The document's number and date: its own when it already has them (a seal that did not finish),
 * else the next of its series, reserved and written onto the row in one transaction before the
 * sealed PDF is made.
 */
async function ensureNumber(ctx: ServerContext, principal: Principal, row: DocumentRow, version: AgencyVersionRef, at: Date): Promise<DocumentRow> {
  if (row.number_text) return row;
  return ctx.tx(async (trx) => {
    const n = await reserveDocumentNumber(trx, { agencyId: row.agency_id, series: row.series, agencyShortName: version.shortName, at });
    const set = { number: n.number, number_year: n.year, number_text: n.text, doc_date: n.date };
    const r = await trx.updateTable('documents').set(set)
      .where('id', '=', row.id).where('number', 'is', null).where('status', '=', row.status).where('revision', '=', row.revision)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new KysoError('conflict', 'the document changed meanwhile (sealed by another request?): reload it');
    await ctx.audit(trx, { actor: actorOf(principal), agencyId: row.agency_id, action: 'document.numbered', target: row.id, details: { number: n.number, year: n.year, text: n.text, date: n.date } });
    return { ...row, ...set };
  });
}

/**
 * The clerk seals: main documents signed by their leader get their number and the agency seal;
 * attachments of a sealed main document get the attachment signature (no image, the main
 * document's number and date, top right of page 1).
 */
export async function sealDocuments(ctx: ServerContext, principal: Principal, p: BatchParams): Promise<BatchResult> {
  if (!hasRole(principal, 'clerk')) throw new KysoError('forbidden', 'only the clerk (văn thư) applies the agency seal');
  const rows = await batchDocuments(ctx, principal, p.documentIds);
  await checkSealable(ctx, rows);
  const seal = await currentSeal(ctx, principal.agencyId, ctx.clock.now());
  const sealImage: DecodedImage = decodePng(seal.png);
  const key = await authorizeKey(ctx, principal, 'seal', p);
  return runBatch(ctx, rows, async (row) => {
    if (row.status === 'sealed') throw new KysoError('conflict', `the document is already sealed${row.number_text ? ` as ${row.number_text}` : ''}`);
    const at = ctx.clock.now();
    const version = await agencyVersionAt(ctx, row.agency_id, at);
    const input = await ctx.blobs.get(row.blob_sha256);
    let numbered = row;
    let numberText: string;
    let dateIso: string;
    let preset: 'agency' | 'attachment';
    if (row.kind === 'document') {
      if (row.status !== 'signed') throw new KysoError('conflict', `the document is ${row.status}: its leader has not signed it`);
      await checkLeaderSignature(ctx, input);
      numbered = await ensureNumber(ctx, principal, row, version, at);
      numberText = numbered.number_text!;
      dateIso = numbered.doc_date!;
      preset = 'agency';
    } else {
      if (row.status !== 'draft') throw new KysoError('conflict', `the attachment is ${row.status}: only a draft attachment is sealed`);
      const parent = row.parent_id ? await ctx.db.kysely.selectFrom('documents').selectAll().where('id', '=', row.parent_id).executeTakeFirst() : undefined;
      if (!parent || parent.agency_id !== row.agency_id) throw new KysoError('conflict', 'the attachment\'s main document is missing');
      if (parent.status !== 'sealed' || !parent.number_text || !parent.doc_date) throw new KysoError('conflict', 'seal the main document first: the attachment carries its number and date');
      numberText = parent.number_text;
      dateIso = parent.doc_date;
      preset = 'attachment';
    }
    const shownDate = displayDate(dateIso);
    const layout = signatureLayout({
      preset, signingTime: at, seal: sealImage, sealMm: seal.diameterMm, agencyName: version.name, docNumber: numberText, docDate: shownDate,
    });
    const signed = await signWithKey(ctx, key, {
      input, at, layout, location: version.name, extraEntries: documentNumberEntries(numberText, dateIso),
      reason: preset === 'agency' ? `Ban hành văn bản số ${numberText} ngày ${shownDate}` : `Kèm theo văn bản số ${numberText} ngày ${shownDate}`,
    });
    return commitTransition(ctx, {
      row: numbered, to: 'sealed', bytes: signed.bytes, principal, at, version,
      set: { sealed_by: principal.id, sealed_at: at.toISOString(), ...(preset === 'attachment' ? { doc_date: dateIso } : {}) },
      details: { certificate: key.row.serial, level: signed.level, field: signed.fieldName, number: numberText, date: dateIso, seal: seal.id, preset },
    });
  });
}
