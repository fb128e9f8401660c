/**
 * A form with /NeedAppearances true (LibreOffice writes them so; built here with pdf-lib: text and choice fields
 * with values and no appearance streams): sealed, the seal shows in poppler's rendering (pdftoppm), the fields show
 * their values, /NeedAppearances is cleared in the signed revision, values are unchanged, and the signature is valid.
 */
import { PDFBool, PDFDocument, PDFHexString, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sealPdf } from '../../src/pdf/seal.js';
import { valueFace } from '../../src/isolation/value-face.js';
import { readPdf } from '../../src/pdf/reader.js';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { keepForLooking, redSeals } from '../placement/look.js';
import { renderPage } from '../pdf/judges.js';
import { sealAppearance } from '../verify/kit.js';

let pki: TestPki;
let form: Buffer;
beforeAll(async () => {
  pki = await makeTestPki();
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.drawText('Application for a parking permit', { x: 72, y: 780, size: 16, font });
  const f = doc.getForm();
  const name = f.createTextField('applicant');
  name.setText('Jane Example');
  name.addToPage(page, { x: 72, y: 700, width: 300, height: 24 });
  const street = f.createTextField('street');
  street.setText('12 Harbour Road');
  street.addToPage(page, { x: 72, y: 660, width: 300, height: 24 });
  const zone = f.createDropdown('zone');
  zone.addOptions(['North', 'South']);
  zone.select('South');
  zone.addToPage(page, { x: 72, y: 620, width: 120, height: 24 });
  // As LibreOffice writes such forms: viewers are to draw the fields themselves.
  for (const field of f.getFields()) for (const w of field.acroField.getWidgets()) w.dict.delete(PDFName.of('AP'));
  f.acroForm.dict.set(PDFName.of('NeedAppearances'), PDFBool.True);
  form = Buffer.from(await doc.save({ updateFieldAppearances: false, useObjectStreams: false }));
}, 120_000);

/** Dark pixels inside a box given in PDF points (y up) on a 100 dpi rendering of an A4 page. */
async function inkIn(png: string, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const k = 100 / 72;
  let n = 0;
  for (let py = Math.round((842 - box.y - box.h) * k); py < Math.round((842 - box.y) * k); py++) {
    for (let px = Math.round(box.x * k); px < Math.round((box.x + box.w) * k); px++) {
      const i = (py * info.width + px) * info.channels;
      if (data[i]! < 100 && data[i + 1]! < 100 && data[i + 2]! < 100) n++;
    }
  }
  return n;
}

describe('a form that asks viewers to redraw its fields', () => {
  it('sealed: the seal shows in pdftoppm, the values show, /NeedAppearances cleared, values unchanged, signature valid', async () => {
    const sealed = await sealPdf(form, {
      page: 1, xMm: 150, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
    });
    const png = await renderPage(sealed, 1);
    keepForLooking(png, 'need-appearances-sealed.png');
    const { seals } = await redSeals(png);
    expect(seals.length, 'a red seal on the rendered page').toBeGreaterThanOrEqual(1);
    const seal = seals.sort((a, b) => b.pixels - a.pixels)[0]!;
    expect(Math.hypot(seal.x - 150, seal.y - 60)).toBeLessThan(5);
    // the field values are drawn (text in the fields' boxes)
    expect(await inkIn(png, { x: 72, y: 700, w: 300, h: 24 })).toBeGreaterThan(30);
    expect(await inkIn(png, { x: 72, y: 660, w: 300, h: 24 })).toBeGreaterThan(30);
    expect(await inkIn(png, { x: 72, y: 620, w: 120, h: 24 })).toBeGreaterThan(15);
    // the flag is cleared in the signed revision; the values are the same
    const r = readPdf(sealed);
    const acro = r.lookupDict(r.catalog().get(PDFName.of('AcroForm')))!;
    expect(acro.get(PDFName.of('NeedAppearances'))).toBeUndefined();
    const after = (await PDFDocument.load(sealed)).getForm();
    expect(after.getTextField('applicant').getText()).toBe('Jane Example');
    expect(after.getTextField('street').getText()).toBe('12 Harbour Road');
    expect(after.getDropdown('zone').getSelected()).toEqual(['South']);
    const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.checks.signature).toBe(true);
    expect(report.signatures[0]!.coversWholeDocument).toBe(true);
    void PDFString;
  }, 120_000);

  it('Chinese values are drawn too (as the outlines of the seal face, no font embedded), and stay unchanged', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const f = doc.getForm();
    // Placed empty, then given values as LibreOffice writes them (text strings in UTF-16): pdf-lib's own appearances
    // for these would need a font that encodes Chinese, which is the point of the test.
    const applicant = f.createTextField('applicant');
    applicant.addToPage(page, { x: 72, y: 700, width: 300, height: 24 });
    applicant.acroField.setValue(PDFHexString.fromText('张三丰'));
    const district = f.createDropdown('district');
    district.addToPage(page, { x: 72, y: 660, width: 160, height: 24 });
    district.acroField.setOptions([{ value: PDFHexString.fromText('天河区') }, { value: PDFHexString.fromText('越秀区') }]);
    district.acroField.setValues([PDFHexString.fromText('越秀区')]);
    const mixed = f.createTextField('address');
    mixed.addToPage(page, { x: 72, y: 620, width: 300, height: 24 });
    mixed.acroField.setValue(PDFHexString.fromText('No. 12 中山路'));
    for (const field of f.getFields()) for (const w of field.acroField.getWidgets()) w.dict.delete(PDFName.of('AP'));
    f.acroForm.dict.set(PDFName.of('NeedAppearances'), PDFBool.True);
    const chinese = Buffer.from(await doc.save({ updateFieldAppearances: false, useObjectStreams: false }));
    // as the service's workers and `seal sign` seal: with the seal face for such values
    const sealed = await sealPdf(chinese, {
      page: 1, xMm: 150, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(), valueFace,
    });
    const png = await renderPage(sealed, 1);
    keepForLooking(png, 'need-appearances-chinese.png');
    expect((await redSeals(png)).seals.length).toBeGreaterThanOrEqual(1);
    // three CJK glyphs at the box's height leave far more ink than "???" would
    expect(await inkIn(png, { x: 72, y: 700, w: 300, h: 24 })).toBeGreaterThan(150);
    expect(await inkIn(png, { x: 72, y: 660, w: 160, h: 24 })).toBeGreaterThan(150);
    expect(await inkIn(png, { x: 72, y: 620, w: 300, h: 24 })).toBeGreaterThan(150);
    // no question marks were written: the appearance streams hold paths, not text
    expect(sealed.includes(Buffer.from('(???)'))).toBe(false);
    const after = (await PDFDocument.load(sealed)).getForm();
    expect(after.getTextField('applicant').getText()).toBe('张三丰');
    expect(after.getDropdown('district').getSelected()).toEqual(['越秀区']);
    expect(after.getTextField('address').getText()).toBe('No. 12 中山路');
    const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(report.signatures[0]!.checks.signature).toBe(true);
    expect(report.signatures[0]!.coversWholeDocument).toBe(true);
  }, 120_000);

  it('before the fix poppler dropped the seal: the unsealed form with a seal widget but the flag set shows no seal', async () => {
    // The same form sealed, then the flag set again by hand in a later update: poppler redraws and drops the seal.
    const sealed = await sealPdf(form, {
      page: 1, xMm: 150, yMm: 60, appearance: sealAppearance(), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(),
    });
    const doc = await PDFDocument.load(sealed);
    doc.getForm().acroForm.dict.set(PDFName.of('NeedAppearances'), PDFBool.True);
    const flagged = Buffer.from(await doc.save({ updateFieldAppearances: false }));
    const png = await renderPage(flagged, 1);
    keepForLooking(png, 'need-appearances-flag-set.png');
    const { seals } = await redSeals(png);
    // this is what the issue saw; it shows the check above is not vacuous
    expect(seals.filter((s) => s.pixels > 200)).toHaveLength(0);
  }, 120_000);
});
