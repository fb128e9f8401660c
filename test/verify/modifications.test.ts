/** The allow-list of changes after a signature, beyond the attack corpus: what must stay allowed, and DocMDP. */
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString } from 'pdf-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { IncrementalUpdate } from '../../src/pdf/incremental-writer.js';
import { readPdf } from '../../src/pdf/reader.js';
import { verifyPdf } from '../../src/verify/index.js';
import { basePdf, makeTestPki, seal, sealAppearance, type TestPki } from './kit.js';

let pki: TestPki;
let good: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  good = await seal(pki, await basePdf(), pki.leafP256, { level: 'B-T' });
}, 120_000);

const verify = (pdf: Uint8Array) => verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });

function update(pdf: Buffer, edit: (u: IncrementalUpdate, f: ReturnType<typeof readPdf>) => void): Buffer {
  const f = readPdf(pdf);
  const u = new IncrementalUpdate(f);
  edit(u, f);
  return u.write().bytes;
}

describe('changes after a signature', () => {
  test('B-LTA: DSS and document time-stamp revisions are allowed and named', async () => {
    const lta = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-LTA' });
    const r = await verify(lta);
    expect(r.valid).toBe(true);
    expect(r.signatures.map((s) => [s.kind, s.level, s.revision])).toEqual([['signature', 'B-LTA', 1], ['document-timestamp', 'B-LTA', 3]]);
    const kinds = r.signatures[0]!.modificationsAfter.map((m) => `${m.revision}:${m.kind}:${m.allowed}`);
    expect(kinds).toContain('2:dss:true');
    expect(kinds).toContain('3:document-timestamp:true');
  });
  test('updating the document information dictionary is allowed (metadata)', async () => {
    const pdf = update(good, (u, f) => {
      const infoRef = f.trailer.get(PDFName.of('Info')) as PDFRef;
      const info = (f.getObject(infoRef) as PDFDict).clone(f.context);
      info.set(PDFName.of('Title'), PDFString.of('Renamed'));
      u.set(infoRef, info);
    });
    const r = await verify(pdf);
    expect(r.signatures[0]).toMatchObject({ status: 'VALID', modificationsAfter: [{ revision: 2, kind: 'metadata', allowed: true }] });
  });
  test('overwriting the signature dictionary itself is refused', async () => {
    const pdf = update(good, (u, f) => {
      const field = f.lookupArray(f.lookupDict(f.catalog().get(PDFName.of('AcroForm')))!.get(PDFName.of('Fields')))!.get(0);
      const sigRef = f.lookupDict(field)!.get(PDFName.of('V')) as PDFRef;
      const sig = (f.getObject(sigRef) as PDFDict).clone(f.context);
      sig.set(PDFName.of('Reason'), PDFString.of('forged reason'));
      u.set(sigRef, sig);
    });
    const r = await verify(pdf);
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'signature-dictionary-replaced' });
  });
  test('an empty update (nothing changed) is harmless', async () => {
    const r = await verify(update(good, () => undefined));
    expect(r.signatures[0]).toMatchObject({ status: 'VALID', modificationsAfter: [] });
  });
  test('DocMDP P=2 certification still allows a second seal', async () => {
    const certified = await seal(pki, await basePdf(1), pki.leafP256, { level: 'B-T', certify: 2 });
    const twice = await seal(pki, certified, pki.leafRsa, { level: 'B-T', appearance: sealAppearance(2), x: 140 });
    const r = await verify(twice);
    expect(r.signatures.map((s) => s.status)).toEqual(['VALID', 'VALID']);
    expect(r.signatures[0]!.modificationsAfter.every((m) => m.allowed)).toBe(true);
  });

  test('a second seal on a page whose /Annots is an indirect array, in a document with object streams', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    page.node.set(PDFName.of('Annots'), doc.context.register(doc.context.obj([])));
    const pdf = Buffer.from(await doc.save({ useObjectStreams: true }));
    const once = await seal(pki, pdf, pki.leafP256, { level: 'B-T' });
    const twice = await seal(pki, once, pki.leafRsa, { level: 'B-LT', appearance: sealAppearance(2), x: 140 });
    const r = await verify(twice);
    expect(r.signatures.map((s) => `${s.status}:${s.reason}`)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(r.signatures[0]!.modificationsAfter.map((m) => m.kind)).toContain('page-annots');
  });
});

describe('form fill and annotations, only where DocMDP permits', () => {
  let formPdf: Buffer;
  beforeAll(async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    doc.getForm().createTextField('applicant').addToPage(page, { x: 72, y: 700, width: 200, height: 20 });
    formPdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  });

  const fill = (pdf: Buffer) => update(pdf, (u, f) => {
    const fields = f.lookupArray(f.lookupDict(f.catalog().get(PDFName.of('AcroForm')))!.get(PDFName.of('Fields')))!;
    for (const ref of fields.asArray()) {
      const field = f.lookupDict(ref)!;
      if (f.lookupName(field.get(PDFName.of('FT'))) !== 'Tx') continue;
      const filled = field.clone(f.context);
      filled.set(PDFName.of('V'), PDFString.of('Zhang San'));
      u.set(ref as PDFRef, filled);
      const widgetRef = (f.lookupArray(field.get(PDFName.of('Kids')))?.get(0) ?? ref) as PDFRef;
      const widget = (u.get(widgetRef) as PDFDict).clone(f.context);
      const ap = u.newRef();
      u.set(ap, f.context.stream('BT /Helv 12 Tf 2 6 Td (Zhang San) Tj ET', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 200, 20] }));
      widget.set(PDFName.of('AP'), f.context.obj({ N: ap }));
      u.set(widgetRef, widget);
    }
  });
  const annotate = (pdf: Buffer) => update(pdf, (u, f) => {
    const { ref, dict } = f.findPage(1)!;
    const note = u.newRef();
    u.set(note, f.context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [400, 700, 420, 720], Contents: PDFString.of('checked'), P: ref }));
    const page = dict.clone(f.context);
    const annots = (f.lookupArray(page.get(PDFName.of('Annots'))) ?? f.context.obj([])).clone(f.context) as PDFArray;
    annots.push(note);
    page.set(PDFName.of('Annots'), annots);
    u.set(ref, page);
  });

  test('filling a text field: allowed after an approval signature and after certification with P=2, refused with P=1', async () => {
    const certified = await seal(pki, formPdf, pki.leafP256, { level: 'B-T', certify: 2 });
    const r = await verify(fill(certified));
    expect(r.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok' });
    expect(r.signatures[0]!.modificationsAfter).toContainEqual(expect.objectContaining({ kind: 'form-fill', level: 'form-filling', allowed: true, fields: ['applicant'] }));
    // ISO 32000 lets anyone fill a form after a plain approval signature: reported, and allowed.
    const approval = await seal(pki, formPdf, pki.leafP256, { level: 'B-T' });
    const filled = await verify(fill(approval));
    expect(filled.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok' });
    expect(filled.signatures[0]!.modificationsAfter.map((m) => `${m.kind}:${m.level}:${m.allowed}`)).toContain('form-fill:form-filling:true');
    const locked = await seal(pki, formPdf, pki.leafP256, { level: 'B-T', certify: 1 });
    const refused = await verify(fill(locked));
    expect(refused.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(refused.signatures[0]!.detail).toMatch(/revision 2 changes form-fill \(form-filling\), which the certification \(DocMDP P=1\) does not permit/);
  });
  test('adding a note: allowed with P=3, refused with P=2', async () => {
    const p3 = await verify(annotate(await seal(pki, formPdf, pki.leafP256, { level: 'B-T', certify: 3 })));
    expect(p3.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok' });
    expect(p3.signatures[0]!.modificationsAfter.map((m) => m.kind)).toEqual(expect.arrayContaining(['annotation', 'page-annots']));
    const p2 = await verify(annotate(await seal(pki, formPdf, pki.leafP256, { level: 'B-T', certify: 2 })));
    expect(p2.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
  });
});
