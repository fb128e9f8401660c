/**
 * A broken last startxref or cross-reference section: the verifier recovers the structure by scanning (as
 * viewers and validators do) and judges each signature against the revisions it finds; what the broken
 * revision changed is still analysed like any other. The sealer keeps refusing such files.
 */
import { PDFDict, PDFRef, PDFString } from 'pdf-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { readPdf } from '../../src/pdf/reader.js';
import { verifyPdf } from '../../src/verify/index.js';
import { N, update } from './crafted.js';
import { basePdf, makeTestPki, seal, sealAppearance, type TestPki } from './kit.js';

let pki: TestPki;
let twoSeals: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  const once = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-T' });
  twoSeals = await seal(pki, once, pki.leafRsa, { level: 'B-T', appearance: sealAppearance(2), x: 140 });
}, 120_000);

const verify = (pdf: Uint8Array) => verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });

/** An unsigned update after the seals: the document information dictionary retitled. */
const retitled = () => update(twoSeals, (u, f) => {
  const ref = f.trailer.get(N('Info')) as PDFRef;
  const info = (f.getObject(ref) as PDFDict).clone(f.context);
  info.set(N('Title'), PDFString.of('Retitled'));
  u.set(ref, info);
});
/** The same update rewriting page 1's content instead. */
const rewritten = () => update(twoSeals, (u, f) => {
  const contents = f.findPage(1)!.dict.get(N('Contents'));
  const ref = (contents instanceof PDFRef ? contents : f.lookupArray(contents)!.get(0)) as PDFRef;
  u.set(ref, f.context.stream('BT /F1 14 Tf 72 760 Td (Notice 1: the permit is REFUSED.) Tj ET'));
});

function breakStartxref(pdf: Buffer): Buffer {
  const at = pdf.lastIndexOf('startxref');
  const out = Buffer.from(pdf);
  const digits = /startxref\s+(\d+)/.exec(out.subarray(at).toString('latin1'))!;
  const start = at + digits[0].length - digits[1]!.length;
  out.write('9'.repeat(digits[1]!.length), start, 'latin1'); // past the end of the file
  return out;
}

function breakLastXrefTable(pdf: Buffer): Buffer {
  const at = pdf.lastIndexOf('\nxref') + 1;
  const end = pdf.indexOf('trailer', at);
  const out = Buffer.from(pdf);
  out.fill('#', at + 5, end - 1, 'latin1'); // the entries are garbage, the trailer is intact
  return out;
}

describe('a broken last startxref or cross-reference section', () => {
  test('startxref pointing past the end: recovered, each signature reported, the later change analysed', async () => {
    const pdf = breakStartxref(retitled());
    expect(() => readPdf(pdf)).toThrow(AppError);
    const r = await verify(pdf);
    expect(r).toMatchObject({ recovered: true, revisions: 4, valid: true });
    expect(r.signatures.map((s) => `${s.revision}:${s.status}:${s.reason}`)).toEqual(['1:VALID:ok', '2:VALID:ok']);
    expect(r.signatures[1]!.modificationsAfter.map((m) => `${m.kind}:${m.level}`)).toEqual(['metadata:lta-updates']);
  });

  test('the last xref table garbage: rebuilt from the revision\'s object definitions; a content change is still refused', async () => {
    const ok = await verify(breakLastXrefTable(retitled()));
    expect(ok).toMatchObject({ recovered: true, valid: true });
    const bad = await verify(breakLastXrefTable(rewritten()));
    expect(bad.recovered).toBe(true);
    expect(bad.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['INVALID:disallowed-modification', 'INVALID:disallowed-modification']);
    expect(bad.signatures[1]!.detail).toMatch(/revision 3 changes page-content/);
  });

  test('a signed revision whose bytes were broken afterwards: that signature INVALID, the earlier one judged on its own', async () => {
    const r = await verify(breakStartxref(twoSeals));
    expect(r.recovered).toBe(true);
    expect(r.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['VALID:ok', 'INVALID:digest-mismatch']);
  });

  test('the sealer still refuses such files', async () => {
    const err = await seal(pki, breakStartxref(retitled()), pki.leafP256, { level: 'B-B' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, type: 'unsealable-pdf' });
  });
});
