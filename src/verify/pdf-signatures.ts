/**
 * Finding a PDF's signatures and checking their byte ranges: the range starts at 0, the only
 * unsigned gap is exactly the signature dictionary's /Contents hex string (with its < >), and the
 * range ends where the revision that added the signature ends.
 */
import { leadingElement } from '../asn1/der.js';
import { PDFArray, PDFDict, PDFHexString, PDFNumber, PDFObject, PDFRef } from 'pdf-lib';
import type { PdfFile } from '../pdf/reader.js';
import { dictValueSpan, LexError } from './pdf-lexer.js';
import { dictOf, N, nameOf, textOf } from './pdf-objects.js';

export interface FoundSignature {
  fieldName: string;
  fieldRef?: PDFRef;
  sigRef?: PDFRef;
  sig: PDFDict;
  widgetRefs: PDFRef[];
  kind: 'signature' | 'document-timestamp';
  subFilter?: string;
}

const EOF_MARK = Buffer.from('%%EOF');

/** Signature fields with a value, from every revision's AcroForm (so a signature removed later is still found). */
export function findSignatures(pdf: PdfFile): FoundSignature[] {
  const out = new Map<string, FoundSignature>();
  for (let rev = pdf.revisions.length - 1; rev >= 0; rev--) {
    try {
      const af = pdf.lookupDict(pdf.catalog(rev).get(N('AcroForm')), rev);
      const fields = af && pdf.lookupArray(af.get(N('Fields')), rev);
      if (!fields) continue;
      const seen = new Set<string>();
      const walk = (ref: PDFObject, parentName: string, inheritedFt: string | undefined, depth: number) => {
        if (depth > 32) return;
        if (ref instanceof PDFRef) { if (seen.has(ref.tag)) return; seen.add(ref.tag); }
        const field = pdf.lookupDict(ref, rev);
        if (!field) return;
        const partial = textOf(field.get(N('T')));
        const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
        const ft = nameOf(field.get(N('FT'))) ?? inheritedFt;
        const kids = pdf.lookupArray(field.get(N('Kids')), rev);
        const childFields = kids?.asArray().filter((k) => pdf.lookupDict(k, rev)?.has(N('T'))) ?? [];
        for (const k of childFields) walk(k, name, ft, depth + 1);
        if (ft !== 'Sig') return;
        const v = field.get(N('V'));
        const sig = pdf.lookupDict(v, rev);
        if (!sig) return;
        const key = v instanceof PDFRef ? v.tag : ref instanceof PDFRef ? `field:${ref.tag}` : `anon:${name}`;
        if (out.has(key)) return;
        const widgetRefs: PDFRef[] = [];
        if (nameOf(field.get(N('Subtype'))) === 'Widget' && ref instanceof PDFRef) widgetRefs.push(ref);
        for (const k of kids?.asArray() ?? []) {
          const kd = pdf.lookupDict(k, rev);
          if (k instanceof PDFRef && kd && !kd.has(N('T')) && nameOf(kd.get(N('Subtype'))) === 'Widget') widgetRefs.push(k);
        }
        const subFilter = nameOf(sig.get(N('SubFilter')));
        out.set(key, {
          fieldName: name || '(unnamed)',
          ...(ref instanceof PDFRef ? { fieldRef: ref } : {}),
          ...(v instanceof PDFRef ? { sigRef: v } : {}),
          sig,
          widgetRefs,
          kind: nameOf(sig.get(N('Type'))) === 'DocTimeStamp' || subFilter === 'ETSI.RFC3161' ? 'document-timestamp' : 'signature',
          ...(subFilter ? { subFilter } : {}),
        });
      };
      for (const f of fields.asArray()) walk(f, '', undefined, 0);
    } catch {
      // A damaged older revision cannot hide a newer signature; keep what was found.
    }
  }
  return [...out.values()];
}

export type IntegrityFailure =
  | 'byterange-missing' | 'byterange-malformed' | 'byterange-not-at-start' | 'byterange-beyond-file'
  | 'byterange-gap-not-contents' | 'byterange-not-whole-revision' | 'signature-dictionary-replaced'
  | 'contents-missing' | 'contents-malformed' | 'contents-empty';

export type ByteRangeResult =
  | { ok: true; ranges: [number, number][]; revision: number; cms: Buffer; coversWholeDocument: boolean }
  | { ok: false; reason: IntegrityFailure; detail: string };

function fail(reason: IntegrityFailure, detail: string): ByteRangeResult {
  return { ok: false, reason, detail };
}

/** Offset just after the "%%EOF" of revision `r` (before its end-of-line). */
export function eofMarkEnd(pdf: PdfFile, r: number): number {
  const rev = pdf.revisions[r]!;
  const buf = Buffer.from(pdf.bytes.buffer, pdf.bytes.byteOffset, pdf.bytes.byteLength);
  const at = buf.lastIndexOf(EOF_MARK, rev.end - 1);
  return at < 0 ? rev.end : at + EOF_MARK.length;
}

/** The revision that ends at `end` (the byte range may stop after %%EOF, before or after its EOL). */
export function revisionEndingAt(pdf: PdfFile, end: number): number | undefined {
  for (const rev of pdf.revisions) if (end <= rev.end && end >= eofMarkEnd(pdf, rev.index)) return rev.index;
  return undefined;
}

/**
 * Each signature's result, for the verification that found it (a FoundSignature lives as long as one
 * verification): the CMS in /Contents is decoded once, however often the verifier asks.
 */
const checked = new WeakMap<FoundSignature, ByteRangeResult>();

export function checkByteRange(pdf: PdfFile, s: FoundSignature): ByteRangeResult {
  let r = checked.get(s);
  if (!r) {
    r = checkByteRangeOnce(pdf, s);
    checked.set(s, r);
  }
  return r;
}

function checkByteRangeOnce(pdf: PdfFile, s: FoundSignature): ByteRangeResult {
  const bytes = pdf.bytes;
  const contents = s.sig.get(N('Contents'));
  if (contents === undefined) return fail('contents-missing', 'the signature dictionary has no /Contents');
  if (!(contents instanceof PDFHexString)) return fail('contents-malformed', '/Contents is not a hexadecimal string');
  const brObj = s.sig.get(N('ByteRange'));
  if (brObj === undefined) return fail('byterange-missing', 'the signature dictionary has no /ByteRange');
  const br = brObj instanceof PDFArray ? brObj.asArray() : undefined;
  if (!br || br.length !== 4 || !br.every((x) => x instanceof PDFNumber && Number.isSafeInteger(x.asNumber()) && x.asNumber() >= 0))
    return fail('byterange-malformed', '/ByteRange must be four non-negative integers');
  const [b0, l0, b1, l1] = br.map((x) => (x as PDFNumber).asNumber()) as [number, number, number, number];
  if (b0 !== 0) return fail('byterange-not-at-start', `the signed range starts at ${b0}, not 0`);
  if (l0 <= 0 || b1 <= l0 || l1 < 0) return fail('byterange-malformed', `ranges [${b0} ${l0} ${b1} ${l1}] overlap or are empty`);
  if (b1 + l1 > bytes.length) return fail('byterange-beyond-file', `the signed range ends at ${b1 + l1}, past the file end ${bytes.length}`);
  const revision = revisionEndingAt(pdf, b1 + l1);
  if (revision === undefined)
    return fail('byterange-not-whole-revision', `the signed range ends at ${b1 + l1}, which is not the end of a revision`);
  // The unsigned gap must be exactly the /Contents string of this very signature dictionary, in the signed revision.
  if (!s.sigRef) return fail('byterange-gap-not-contents', 'the signature dictionary is not an indirect object');
  const entry = pdf.xrefAt(revision).get(s.sigRef.objectNumber);
  const newest = pdf.xref.get(s.sigRef.objectNumber);
  if (!entry || entry.type !== 'offset')
    return fail('byterange-gap-not-contents', `signature dictionary ${s.sigRef.objectNumber} is not a plain object of revision ${revision}`);
  if (!newest || newest.type !== 'offset' || newest.offset !== entry.offset)
    return fail('signature-dictionary-replaced', `signature dictionary ${s.sigRef.objectNumber} was replaced after revision ${revision}`);
  let span: { start: number; end: number } | undefined;
  try {
    span = dictValueSpan(bytes, entry.offset, 'Contents');
  } catch (e) {
    return fail(e instanceof LexError && /duplicate/.test(e.message) ? 'contents-malformed' : 'byterange-gap-not-contents',
      `signature dictionary ${s.sigRef.objectNumber}: ${(e as Error).message}`);
  }
  if (!span || span.start !== l0 || span.end !== b1)
    return fail('byterange-gap-not-contents',
      `the unsigned gap ${l0}..${b1} is not the /Contents string of signature dictionary ${s.sigRef.objectNumber}` +
      (span ? ` (which is at ${span.start}..${span.end})` : ''));
  if (bytes[l0] !== 0x3c || bytes[b1 - 1] !== 0x3e) return fail('contents-malformed', '/Contents is not a hexadecimal string');
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset + l0 + 1, b1 - l0 - 2).toString('latin1').replace(/[\s\0]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) return fail('contents-malformed', '/Contents holds non-hexadecimal characters');
  const raw = Buffer.from(hex.length % 2 ? hex + '0' : hex, 'hex');
  const cms = derPrefix(raw);
  if (!cms) {
    if (raw.every((x) => x === 0)) return fail('contents-empty', '/Contents is empty (no signature was written)');
    return fail('contents-malformed', '/Contents does not hold a DER structure');
  }
  if (!raw.subarray(cms.length).every((x) => x === 0)) return fail('contents-malformed', '/Contents has data after the signature');
  const last = pdf.revisions.length - 1;
  return { ok: true, ranges: [[b0, l0], [b1, l1]], revision, cms, coversWholeDocument: revision === last };
}

/** The ASN.1 element (DER, or BER as some signers write it, e.g. NSS via pdfsig) at the start of `raw`, or undefined. */
function derPrefix(raw: Buffer): Buffer | undefined {
  if (raw.length < 2 || raw[0] !== 0x30) return undefined;
  return leadingElement(raw); // decoded once here; reading the CMS later reuses the tree
}

export { dictOf };
