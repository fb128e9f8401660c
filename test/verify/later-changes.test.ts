/**
 * Changes after a signature, made by signers and editors we did not write (poppler pdfsig, PDFBox 2 with
 * BouncyCastle, @signpdf with openssl) and by pdf-lib objects through the incremental writer for shapes no
 * installed tool writes on request. Legitimate ones stay VALID with their modification level; sneaky ones are
 * INVALID; every case names its class as the issue lists it.
 */
import { createHash } from 'node:crypto';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, PDFString, StandardFonts, drawObject, popGraphicsState, pushGraphicsState } from 'pdf-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { addDocumentTimestamp } from '../../src/pdf/doc-timestamp.js';
import { decodeStream } from '../../src/pdf/reader.js';
import { verifyPdf } from '../../src/verify/index.js';
import type { SignatureReport } from '../../src/verify/types.js';
import { opensslOcsp, opensslTimestamper } from '../helpers/openssl-pki.js';
import { addField, fieldMdpReference, N, signedUpdate, update } from './crafted.js';
import { basePdf, makeTestPki, seal, sealAppearance, type TestPki } from './kit.js';
import { fromTestCert, opensslSigned, pdfBox, pdfBoxAvailable, pdfBoxKey, pdfsigSign } from './signers.js';

let pki: TestPki;
let formPdf: Buffer;
let ours: Buffer;
const hasPdfBox = pdfBoxAvailable();
if (!hasPdfBox && process.env.CI) throw new Error('CI must have javac and PDFBox 2 with BouncyCastle');

beforeAll(async () => {
  pki = await makeTestPki();
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Application for a permit', { x: 72, y: 760, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  doc.getForm().createTextField('applicant').addToPage(page, { x: 72, y: 700, width: 200, height: 20 });
  doc.getForm().createTextField('remarks').addToPage(page, { x: 72, y: 660, width: 200, height: 20 });
  formPdf = Buffer.from(await doc.save({ useObjectStreams: false }));
  ours = await seal(pki, formPdf, pki.leafP256, { level: 'B-T' });
}, 180_000);

const verify = (pdf: Uint8Array) => verifyPdf(pdf, { trustAnchors: [pki.root.certDer] });
const statuses = (r: { signatures: SignatureReport[] }) => r.signatures.map((s) => `${s.status}:${s.reason}`);
const kinds = (s: SignatureReport) => s.modificationsAfter.map((m) => `${m.kind}:${m.level}:${m.allowed}`);

describe('legitimate changes by other signers stay VALID, with their level', () => {
  test('poppler pdfsig signs after our seal: its trial appearances under generation 1 are orphans (lta-updates)', async () => {
    const r = await verify(await pdfsigSign(pki, pki.leafRsa, ours));
    expect(statuses(r), JSON.stringify(r.signatures.map((s) => s.detail))).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(expect.arrayContaining(['signature:form-filling:true', 'orphan:lta-updates:true', 'page-annots:lta-updates:true']));
  });

  test('pdfsig signs a document it signed first, and one @signpdf (openssl CMS) signed first', async () => {
    const twice = await pdfsigSign(pki, pki.leafRsa, await pdfsigSign(pki, pki.leafRsa, await basePdf()));
    expect(statuses(await verify(twice))).toEqual(['VALID:ok', 'VALID:ok']);
    const signpdf = await opensslSigned(await basePdf(), { signers: [fromTestCert(pki, pki.leafP256)] });
    const after = await verify(await pdfsigSign(pki, pki.leafRsa, signpdf));
    expect(statuses(after)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(after.signatures[0]!)).toContain('orphan:lta-updates:true');
  });

  test.runIf(hasPdfBox)('PDFBox adds a visible signature after our seal', async () => {
    const r = await verify(await pdfBox('sign', ours, { ...pdfBoxKey(fromTestCert(pki, pki.leafRsa)), alg: 'SHA256withRSA', subfilter: 'adbe.pkcs7.detached', visible: 'true' }));
    expect(statuses(r)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(r.signatures[0]!)).toContain('signature:form-filling:true');
  });

  test.runIf(hasPdfBox)('a later signature adds Helv and ZaDb to an existing /DR (PDFBox, as Acrobat and iText do)', async () => {
    const r = await verify(await pdfBox('sign', ours, { ...pdfBoxKey(fromTestCert(pki, pki.leafP256)), subfilter: 'adbe.pkcs7.detached', dr: 'true' }));
    expect(statuses(r)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(r.signatures[0]!)).toContain('acroform:lta-updates:true');
  });

  test('/DR and /DA added to /AcroForm by a document time-stamp revision (pdf-lib objects, then our time-stamp)', async () => {
    const withDr = update(ours, (u, f) => {
      const afRef = f.catalog().get(N('AcroForm'));
      const af = f.lookupDict(afRef)!.clone(f.context);
      const dr = (f.lookupDict(af.get(N('DR')))?.clone(f.context) ?? f.context.obj({})) as PDFDict;
      const fonts = (f.lookupDict(dr.get(N('Font')))?.clone(f.context) ?? f.context.obj({})) as PDFDict;
      const zadb = u.newRef();
      u.set(zadb, f.context.obj({ Type: 'Font', Subtype: 'Type1', BaseFont: 'ZapfDingbats' }));
      fonts.set(N('ZaDb'), zadb);
      dr.set(N('Font'), fonts);
      af.set(N('DR'), dr);
      if (!af.has(N('DA'))) af.set(N('DA'), PDFString.of('/Helv 0 Tf 0 g'));
      if (afRef instanceof PDFRef) u.set(afRef, af);
      else { const cat = f.catalog().clone(f.context); cat.set(N('AcroForm'), af); u.set(f.catalogRef, cat); }
    });
    const r = await verify(await addDocumentTimestamp(withDr, opensslTimestamper(pki)));
    expect(statuses(r)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(expect.arrayContaining(['acroform:lta-updates:true', 'document-timestamp:lta-updates:true']));
  });

  test.runIf(hasPdfBox)('XMP metadata written then updated in place, catalog /Version raised, /Info dates (PDFBox)', async () => {
    const once = await pdfBox('metadata', ours);
    const r = await verify(await pdfBox('metadata', once, { version: '2.0' }));
    expect(statuses(r)).toEqual(['VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(expect.arrayContaining(['metadata:lta-updates:true', 'catalog:lta-updates:true']));
    expect(r.signatures[0]!.modificationsAfter.every((m) => m.allowed && m.level === 'lta-updates')).toBe(true);
  });

  test('DSS and VRI in indirect shapes with an orphan, then /Extensions and a document time-stamp (as pyHanko and EU DSS write them)', async () => {
    const ocsp = await opensslOcsp(pki, pki.leafP256.certDer, pki.intermediate.certDer);
    const withDss = update(ours, (u, f) => {
      const ctx = f.context;
      const stream = (der: Buffer) => { const ref = u.newRef(); u.set(ref, PDFRawStream.of(ctx.obj({}) as PDFDict, der)); return ref; };
      const certs = [stream(pki.leafP256.certDer), stream(pki.intermediate.certDer)];
      const ocsps = [stream(ocsp)];
      const certsArr = u.newRef();
      u.set(certsArr, ctx.obj(certs));
      const vriEntry = u.newRef();
      u.set(vriEntry, ctx.obj({ Cert: certs, OCSP: ocsps, TU: PDFString.fromDate(new Date()) }));
      const sigContents = (f.lookupDict(f.lookupDict(f.lookupArray(f.lookupDict(f.catalog().get(N('AcroForm')))!.get(N('Fields')))!.asArray()
        .find((x) => f.lookupDict(x)?.get(N('V')))!)!.get(N('V')))!.get(N('Contents')) as unknown as { asBytes(): Uint8Array }).asBytes();
      const vri = u.newRef();
      u.set(vri, ctx.obj({ [createHash('sha1').update(sigContents).digest('hex').toUpperCase()]: vriEntry }));
      const dss = u.newRef();
      u.set(dss, ctx.obj({ Type: 'DSS', Certs: certsArr, OCSPs: ocsps, VRI: vri }));
      stream(Buffer.from('an orphan nothing refers to'));
      const ext = u.newRef();
      u.set(ext, ctx.obj({ ESIC: { BaseVersion: PDFName.of('1.7'), ExtensionLevel: 2 }, ADBE: { BaseVersion: PDFName.of('1.7'), ExtensionLevel: 8 } }));
      const cat = f.catalog().clone(ctx);
      cat.set(N('DSS'), dss);
      cat.set(N('Extensions'), ext);
      cat.set(N('Version'), PDFName.of('2.0'));
      u.set(f.catalogRef, cat);
    });
    const r = await verify(await addDocumentTimestamp(withDss, opensslTimestamper(pki)));
    expect(statuses(r)).toEqual(['VALID:ok', 'VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(expect.arrayContaining([
      'dss:lta-updates:true', 'orphan:lta-updates:true', 'extensions:lta-updates:true', 'catalog:lta-updates:true', 'document-timestamp:lta-updates:true',
    ]));
  });

  test('the catalog rewritten under a new object number with the same content, unchanged objects written again (pdf-lib objects)', async () => {
    const pdf = update(ours, (u, f) => {
      const ctx = f.context;
      const root = u.newRef();
      u.set(root, f.catalog().clone(ctx));
      // The page again, its /Resources now an indirect object with the same content, its content stream uncompressed.
      const { ref, dict } = f.findPage(1)!;
      const page = dict.clone(ctx);
      const res = u.newRef();
      u.set(res, f.lookupDict(page.get(N('Resources')))!.clone(ctx));
      page.set(N('Resources'), res);
      u.set(ref, page);
      const contents = page.get(N('Contents'));
      const cref = (contents instanceof PDFRef ? contents : f.lookupArray(contents)!.get(0)) as PDFRef;
      u.set(cref, ctx.stream(decodeStream(f.getObject(cref) as PDFRawStream)));
      const info = f.trailer.get(N('Info')) as PDFRef;
      u.set(info, (f.getObject(info) as PDFDict).clone(ctx));
      (f.trailer as PDFDict).set(N('Root'), root); // last: the reader still reads the old catalog above
    });
    const r = await verify(pdf);
    expect(statuses(r), JSON.stringify(r.signatures[0]!.detail)).toEqual(['VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(['unchanged-rewritten:none:true']);
  });

  test.runIf(hasPdfBox)('form filling after an approval signature (PDFBox): form-filling, allowed', async () => {
    const r = await verify(await pdfBox('fill', ours, { field: 'applicant', value: 'Zhang San' }));
    expect(statuses(r)).toEqual(['VALID:ok']);
    expect(r.signatures[0]!.modificationsAfter).toContainEqual(expect.objectContaining({ kind: 'form-fill', level: 'form-filling', allowed: true, fields: ['applicant'] }));
  });

  test.runIf(hasPdfBox)('a new annotation after an approval signature (PDFBox): annotations, allowed', async () => {
    const r = await verify(await pdfBox('annotate', ours, { text: 'checked' }));
    expect(statuses(r)).toEqual(['VALID:ok']);
    expect(kinds(r.signatures[0]!)).toEqual(expect.arrayContaining(['annotation:annotations:true', 'page-annots:annotations:true']));
  });
});

describe('sneaky changes are refused', () => {
  /** A page that draws form X, and an empty signature field whose appearance is the same X. */
  async function sharedAppearance(): Promise<Buffer> {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([595, 842]);
    const x = doc.context.register(doc.context.stream('BT /F1 14 Tf 10 10 Td (Amount due: 100 yuan) Tj ET', {
      Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 300, 40], Resources: { Font: { F1: font.ref } },
    }));
    const name = page.node.newXObject('Am', x);
    page.pushOperators(pushGraphicsState(), drawObject(name), popGraphicsState());
    const widget = doc.context.register(doc.context.obj({
      Type: 'Annot', Subtype: 'Widget', FT: 'Sig', T: PDFString.of('Witness'), F: 4, Rect: [300, 60, 460, 100], P: page.ref, AP: { N: x },
    }));
    page.node.set(PDFName.of('Annots'), doc.context.obj([widget]));
    doc.catalog.set(PDFName.of('AcroForm'), doc.context.obj({ Fields: [widget], SigFlags: 3 }));
    return Buffer.from(await doc.save({ useObjectStreams: false }));
  }

  test('a later signature fills an empty field and rewrites its old appearance, which the signed page also draws', async () => {
    const signed = await seal(pki, await sharedAppearance(), pki.leafP256, { level: 'B-T', appearance: sealAppearance(), x: 60, y: 200 });
    const attack = await signedUpdate(signed, pki.leafRsa, (u, f, sigRef) => {
      const fields = f.lookupArray(f.lookupDict(f.catalog().get(N('AcroForm')))!.get(N('Fields')))!;
      const witness = fields.asArray().find((x) => f.lookupDict(x)?.get(N('T'))?.toString().includes('Witness')) as PDFRef;
      const field = f.lookupDict(witness)!.clone(f.context);
      field.set(N('V'), sigRef);
      u.set(witness, field);
      const x = f.lookupDict(field.get(N('AP')))!.get(N('N')) as PDFRef;
      const old = f.getObject(x) as PDFRawStream;
      u.set(x, f.context.stream('BT /F1 14 Tf 10 10 Td (Amount due: 1,000,000 yuan) Tj ET', { Type: 'XObject', Subtype: 'Form', BBox: [0, 0, 300, 40], Resources: old.dict.get(N('Resources'))! }));
    });
    const r = await verify(attack);
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(r.signatures[0]!.detail).toMatch(/revision 2 changes xobject \(object \d+ 0\)/);
    expect(r.signatures[1]).toMatchObject({ status: 'VALID' }); // the attacker's own signature is fine: it signed what it saw
  });

  test('bytes after the last %%EOF: object definitions without a cross-reference section, or other data, are unaccounted for', async () => {
    const appended = Buffer.concat([ours, Buffer.from('\n90 0 obj\n<< /Type /Annot /Subtype /FreeText /Rect [72 690 400 720] /Contents (APPROVED) >>\nendobj\n')]);
    const r = await verify(appended);
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification', coversWholeDocument: false });
    expect(r.signatures[0]!.modificationsAfter).toContainEqual({ revision: 2, kind: 'unaccounted-bytes', level: 'other', allowed: false, objects: ['90 0'] });
    const junk = await verify(Buffer.concat([ours, Buffer.from('% a comment a reconstructing viewer skips, but no xref accounts for\n')]));
    expect(junk.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    // Pure whitespace and zero padding are fine.
    const padded = await verify(Buffer.concat([ours, Buffer.from('\r\n  \n'), Buffer.alloc(512)]));
    expect(padded.signatures[0]).toMatchObject({ status: 'VALID', coversWholeDocument: true });
  });

  test('an object in use renumbered with a higher generation (its old references now point at other content)', async () => {
    const pdf = update(ours, (u, f) => {
      const page = f.findPage(1)!.dict;
      const contents = page.get(N('Contents'));
      const cref = (contents instanceof PDFRef ? contents : f.lookupArray(contents)!.get(0)) as PDFRef;
      u.set(PDFRef.of(cref.objectNumber, 1), f.context.stream('BT /F1 14 Tf 72 760 Td (Application REFUSED) Tj ET'));
    });
    const r = await verify(pdf);
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(r.signatures[0]!.detail).toMatch(/object-deleted/);
  });

  test('the trailer pointing /Root at a second catalog already in the signed file', async () => {
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]).drawText('Real content', { x: 72, y: 760, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
    const shadowPage = doc.context.nextRef();
    const shadowPages = doc.context.register(doc.context.obj({ Type: 'Pages', Kids: [shadowPage], Count: 1 }));
    doc.context.assign(shadowPage, doc.context.obj({ Type: 'Page', Parent: shadowPages, MediaBox: [0, 0, 595, 842] }));
    const shadowCatalog = doc.context.register(doc.context.obj({ Type: 'Catalog', Pages: shadowPages }));
    const signed = await seal(pki, Buffer.from(await doc.save({ useObjectStreams: false })), pki.leafP256, { level: 'B-T' });
    const pdf = update(signed, (u, f) => {
      (f.trailer as PDFDict).set(N('Root'), shadowCatalog);
      u.set(PDFRef.of(shadowCatalog.objectNumber, 0), f.getObject(shadowCatalog)!); // the writer needs one object
    });
    const r = await verify(pdf);
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(r.signatures[0]!.modificationsAfter.map((m) => m.kind)).toContain('catalog-replaced');
  });
});

describe('DocMDP and FieldMDP are compared with the level afterwards', () => {
  test.runIf(hasPdfBox)('a field locked by an earlier signature (FieldMDP) may not be filled; another field may', async () => {
    const locked = await signedUpdate(formPdf, pki.leafP256, (u, f, sigRef, sig) => {
      sig.set(N('Reference'), fieldMdpReference(f, 'Include', ['applicant']));
      addField(u, f, { name: 'Approval', sigRef });
    });
    const r = await verify(await pdfBox('fill', locked, { field: 'applicant', value: 'Zhang San' }));
    expect(r.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(r.signatures[0]!.detail).toMatch(/form-fill of field applicant, which this signature locks \(FieldMDP\)/);
    const other = await verify(await pdfBox('fill', locked, { field: 'remarks', value: 'none' }));
    expect(other.signatures[0]).toMatchObject({ status: 'VALID', reason: 'ok' });
  });

  test.runIf(hasPdfBox)('annotations after a P=2 certification, form filling after P=1: refused; a DSS after P=1: allowed', async () => {
    const p2 = await seal(pki, formPdf, pki.leafP256, { level: 'B-T', certify: 2 });
    const annotated = await verify(await pdfBox('annotate', p2));
    expect(annotated.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
    expect(annotated.signatures[0]!.detail).toMatch(/\(annotations\), which the certification \(DocMDP P=2\) does not permit/);
    const p1 = await seal(pki, formPdf, pki.leafP256, { level: 'B-LTA', certify: 1 });
    expect(statuses(await verify(p1))).toEqual(['VALID:ok', 'VALID:ok']);
    const filled = await verify(await pdfBox('fill', p1, { field: 'remarks', value: 'x' }));
    expect(filled.signatures[0]).toMatchObject({ status: 'INVALID', reason: 'disallowed-modification' });
  });
});
