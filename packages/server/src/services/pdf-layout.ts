/**
 * The visible appearance of one signature, from a description both the CLI (`kyso sign`) and the
 * server (signing and sealing over HTTP) build: a Decree 30/2020/NĐ-CP preset (Appendix I: the
 * leader's signature image, the agency seal at its registered size over it, the attachment and copy
 * text lines), or a plain rectangle with an optional image — and the signature-dictionary entries
 * that carry the document number and date (/KysoDocNumber, /KysoDocDate, read back by the
 * validator's report).
 */
import { KysoError, isKysoError } from '@kyso/core';
import { decree30Layout, rectLayout, type CopyForm, type Decree30Preset } from '@kyso/core/pdf/decree30.ts';
import type { DecodedImage } from '@kyso/core/pdf/png.ts';
import type { LayoutContext, VisibleSignature } from '@kyso/core/pdf/pdf-signature.ts';

export type SignatureLayout = (ctx: LayoutContext) => VisibleSignature;

export interface SignatureLayoutSpec {
  preset?: Decree30Preset;
  signingTime: Date;
  /** The signer's handwritten-signature image (official preset, or a plain rectangle). */
  image?: DecodedImage;
  /** The agency seal and its registered diameter in mm (agency preset). */
  seal?: DecodedImage;
  sealMm?: number;
  /** Place above this text (the last page that has it). */
  anchor?: string;
  /**
   * With `anchor`: when the text is not in the document, use the preset's default position instead
   * of failing (the server anchors on the leader's name when the caller gave no placement).
   */
  anchorOptional?: boolean;
  /** 1-based page, and a rectangle in mm from the displayed page's top-left corner. */
  page?: number;
  rect?: { x: number; y: number; w: number; h: number };
  docNumber?: string;
  docDate?: string;
  agencyName?: string;
  copyForm?: CopyForm;
}

/** The layout function for signPdf, or undefined for an invisible signature. */
export function signatureLayout(s: SignatureLayoutSpec): SignatureLayout | undefined {
  if (s.preset) {
    const layout = decree30Layout({
      preset: s.preset, signingTime: s.signingTime, image: s.image, seal: s.seal, sealMm: s.sealMm, anchor: s.anchor, page: s.page, rectMm: s.rect,
      docNumber: s.docNumber, docDate: s.docDate, agencyName: s.agencyName, copyForm: s.copyForm,
    });
    if (!s.anchor || !s.anchorOptional) return layout;
    const fallback = signatureLayout({ ...s, anchor: undefined, anchorOptional: undefined })!;
    return (ctx) => {
      try {
        return layout(ctx);
      } catch (e) {
        if (isKysoError(e) && e.kind === 'not-found') return fallback(ctx);
        throw e;
      }
    };
  }
  if (s.rect) return rectLayout({ page: s.page ?? 1, rectMm: s.rect, image: s.image });
  if (s.image || s.seal || s.anchor) throw new KysoError('invalid-argument', 'a visible signature needs --preset, or --page N --rect X,Y,W,H');
  return undefined;
}

/** Signature-dictionary entries with the document's number and symbol and its date (Decree 30, Art. 15). */
export function documentNumberEntries(docNumber?: string, docDate?: string): Record<string, string> {
  const extra: Record<string, string> = {};
  if (docNumber) extra.KysoDocNumber = docNumber;
  if (docDate) extra.KysoDocDate = docDate;
  return extra;
}
