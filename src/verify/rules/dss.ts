/**
 * The Document Security Store (PAdES B-LT, ETSI EN 319 142-1 §5.4): certificates, OCSP responses and CRLs
 * added after signing so a signature can be validated later. Written by our own sealer and `seal extend`,
 * EU DSS, pyHanko, Acrobat and iText, in every shape the standard allows: the /DSS and /VRI dictionaries and
 * the /Certs, /OCSPs, /CRLs arrays direct or indirect, VRI entries keyed by the SHA-1 of a signature with
 * /TS and /TU, and old arrays left behind unreferenced (those are orphans). Validation data is signed by its
 * issuers and no viewer draws it. The structure is checked as pyHanko does (only the expected keys, arrays of
 * streams, old VRI entries unchanged); a DSS of another shape clears nothing.
 */
import { PDFArray, PDFDict, PDFName, PDFObject, PDFRawStream, PDFRef, PDFString, PDFHexString } from 'pdf-lib';
import { N } from '../pdf-objects.js';
import type { Cleared, DiffRule, RevisionView, UpdateView } from './api.js';
import { clearUnder, equivalent } from './walk.js';

const DSS_ARRAYS = ['Certs', 'OCSPs', 'CRLs'];
const VRI_ARRAYS = ['Cert', 'OCSP', 'CRL'];
const VRI_KEY = /^\/?[0-9A-Fa-f]{40}$/;

export const dss: DiffRule = {
  name: 'dss',
  level: 'lta-updates',
  *clears(old: RevisionView, update: UpdateView): Iterable<Cleared> {
    const value = update.catalog?.get(N('DSS'));
    if (value === undefined || !old.rootRef) return;
    const d = update.dict(value);
    if (!d || d instanceof PDFRawStream || !wellFormedDss(update, d)) return;
    if (!oldVriKept(old, update, d)) return;
    yield* clearUnder(update, value, [{ from: old.rootRef.tag, key: 'DSS' }]);
  },
};

function wellFormedDss(v: RevisionView, d: PDFDict): boolean {
  for (const [k, val] of d.entries()) {
    const key = k.decodeText();
    if (key === 'Type') { if (!(val instanceof PDFName) || val.decodeText() !== 'DSS') return false; continue; }
    if (DSS_ARRAYS.includes(key)) { if (!arrayOfStreams(v, val)) return false; continue; }
    if (key === 'VRI') { if (!wellFormedVri(v, val)) return false; continue; }
    return false;
  }
  return true;
}

function arrayOfStreams(v: RevisionView, val: PDFObject): boolean {
  const arr = v.array(val);
  return !!arr && arr.asArray().every((x) => x instanceof PDFRef && v.get(x) instanceof PDFRawStream);
}

function wellFormedVri(v: RevisionView, val: PDFObject): boolean {
  const vri = v.dict(val);
  if (!vri || vri instanceof PDFRawStream) return false;
  for (const [k, entry] of vri.entries()) {
    const key = k.decodeText();
    if (key === 'Type') continue;
    if (!VRI_KEY.test(key)) return false;
    const e = v.dict(entry);
    if (!e || e instanceof PDFRawStream) return false;
    for (const [ek, ev] of e.entries()) {
      const name = ek.decodeText();
      if (name === 'Type') continue;
      if (VRI_ARRAYS.includes(name)) { if (!arrayOfStreams(v, ev)) return false; continue; }
      if (name === 'TS') { if (!(ev instanceof PDFRef && v.get(ev) instanceof PDFRawStream)) return false; continue; }
      if (name === 'TU') { const t = v.get(ev); if (!(t instanceof PDFString || t instanceof PDFHexString)) return false; continue; }
      return false;
    }
  }
  return true;
}

/** PAdES lets validation data be added (and stale items dropped), but a VRI entry once written stays as it was. */
function oldVriKept(old: RevisionView, update: RevisionView, dssNow: PDFDict): boolean {
  const vriBefore = old.dict(old.dict(old.catalog?.get(N('DSS')))?.get(N('VRI')));
  if (!vriBefore) return true;
  const vriNow = update.dict(dssNow.get(N('VRI')));
  if (!vriNow) return false;
  for (const [k, v] of vriBefore.entries()) {
    if (k.decodeText() === 'Type') continue;
    if (!equivalent(old, v, update, vriNow.get(k))) return false;
  }
  return true;
}
