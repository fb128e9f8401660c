/**
 * sealPdf judged by independent tools: pdfsig (every signature valid, certificate trusted), qpdf --check,
 * openssl cms -verify / ts -verify over the signed ranges; plus the embedded image rebuilt losslessly.
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFName, PDFRawStream } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { readPdf } from '../../src/pdf/reader.js';
import { sealPdf, type SealAppearance, type SealPdfOptions } from '../../src/pdf/seal.js';
import { encodeSealImage } from '../../src/pdf/appearance.js';
import { signatureFields } from '../../src/pdf/signature-field.js';
import { canonicalImageHash } from '../../src/render/canonical.js';
import {
  issueCert, makeTestPki, nssDbTrusting, nssDbWithSigner, runTool, opensslOcsp, opensslTimestamper, signerFor, type TestCert, type TestPki,
} from '../helpers/openssl-pki.js';
import { basicPdf, getCorpus, hybridPdf, qpdf, scratch } from './fixtures.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { opensslVerifyAll, pdfsig, qpdfCheck } from './judges.js';
import { redSeal } from './seal-image.js';
import { haveJudges } from '../helpers/judges.js';

let pki: TestPki;
let nss: string;
/** A third seal certificate: poppler 22.12 reports a certificate it already validated earlier in the same
 *  run as "Unknown issue", so each signature in one document uses its own certificate. */
let leafThird: TestCert;
const appearance = redSeal();
const when = new Date('2026-03-01T08:00:00Z');

beforeAll(async () => {
  pki = await makeTestPki();
  // Only where NSS's certutil is: the tests that judge with pdfsig skip without it (test/helpers/judges.ts).
  if (haveJudges('certutil')) nss = await nssDbTrusting(pki.root.certPem);
  leafThird = await issueCert(pki, { name: 'pdf-struct-third', subject: '/C=CN/O=Test Unit Three/CN=Test Unit Three Seal' });
});

const base = (over: Partial<SealPdfOptions> = {}): SealPdfOptions => ({
  page: 1, xMm: 150, yMm: 60, appearance, signer: signerFor(pki.leafP256), level: 'B-B', signingTime: when, ...over,
});
const revocation: SealPdfOptions['revocation'] = async (cert, issuer) => ({ ocsp: await opensslOcsp(pki, cert, issuer) });

async function expectAllJudgesPass(bytes: Buffer, signatures: number) {
  const sig = await pdfsig(bytes, nss);
  const cades = sig.signatures.filter((s) => s.subFilter === 'ETSI.CAdES.detached');
  expect(cades.length, sig.out).toBe(signatures);
  for (const s of cades) {
    expect(s.valid, s.block).toBe(true);
    expect(s.trusted, s.block).toBe(true);
  }
  const q = await qpdfCheck(bytes);
  expect(q.out).toContain('No syntax or stream encoding errors');
  expect(q.code).toBe(0);
  const v = await opensslVerifyAll(bytes, pki.root.certPath, pki.chainPath);
  for (const r of v) expect(r.code, `${r.field}: ${r.out}`).toBe(0);
  return { sig, v };
}

async function expect422(p: Promise<unknown>, type: string, field?: string) {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).status).toBe(422);
  expect((e as AppError).type).toBe(type);
  if (field) expect((e as AppError).details.field).toBe(field);
}

describe('sealPdf', () => {
  it('B-B on a table-xref PDF: valid for pdfsig, qpdf and openssl; the original bytes are a prefix', async () => {
    const { table } = await getCorpus();
    const out = await sealPdf(table, base({ reason: '同意发布 approved', location: 'City Hall' }));
    expect(Buffer.compare(out.subarray(0, table.length), Buffer.from(table))).toBe(0);
    await expectAllJudgesPass(out, 1);
  });

  it('an appearance given as its encoded image streams (as the service hands it to a worker) embeds the same streams as its pixels', async () => {
    const { table } = await getCorpus();
    const streamsOf = async (a: SealAppearance) => {
      const pdf = readPdf(await sealPdf(table, base({ appearance: a })));
      const ap = pdf.lookupDict(signatureFields(pdf)[0]!.dict.get(PDFName.of('AP')))!;
      const form = pdf.resolve(ap.get(PDFName.of('N'))) as PDFRawStream;
      const res = pdf.lookupDict(form.dict.get(PDFName.of('Resources')))!;
      const img = pdf.resolve(pdf.lookupDict(res.get(PDFName.of('XObject')))!.get(PDFName.of('Seal'))) as PDFRawStream;
      const smask = pdf.resolve(img.dict.get(PDFName.of('SMask'))) as PDFRawStream;
      return { image: Buffer.from(img.contents), smask: Buffer.from(smask.contents), width: img.dict.get(PDFName.of('Width'))?.toString() };
    };
    const { rgba: _pixels, ...size } = appearance;
    const encoded = encodeSealImage(appearance);
    const fromEncoded = await streamsOf({ ...size, encoded });
    expect(fromEncoded).toEqual(await streamsOf(appearance));
    expect(fromEncoded.image.equals(encoded.rgb)).toBe(true);
    expect(fromEncoded.smask.equals(encoded.alpha)).toBe(true);
  });

  it('embeds the image losslessly: RGB Flate + SMask rebuild the canonical pixels', async () => {
    const { table } = await getCorpus();
    const out = await sealPdf(table, base());
    const pdf = readPdf(out);
    const [field] = signatureFields(pdf);
    const ap = pdf.lookupDict(field!.dict.get(PDFName.of('AP')))!;
    const form = pdf.resolve(ap.get(PDFName.of('N'))) as PDFRawStream;
    const res = pdf.lookupDict(form.dict.get(PDFName.of('Resources')))!;
    const gs = pdf.lookupDict(pdf.lookupDict(res.get(PDFName.of('ExtGState')))!.get(PDFName.of('Ink')))!;
    expect(pdf.lookupName(gs.get(PDFName.of('BM')))).toBe('Multiply');
    const img = pdf.resolve(pdf.lookupDict(res.get(PDFName.of('XObject')))!.get(PDFName.of('Seal'))) as PDFRawStream;
    expect(pdf.lookupName(img.dict.get(PDFName.of('ColorSpace')))).toBe('DeviceRGB');
    const smask = pdf.resolve(img.dict.get(PDFName.of('SMask'))) as PDFRawStream;
    expect(pdf.lookupName(smask.dict.get(PDFName.of('ColorSpace')))).toBe('DeviceGray');
    const rgb = inflateSync(img.contents);
    const alpha = inflateSync(smask.contents);
    const w = pdf.lookupNumber(img.dict.get(PDFName.of('Width')))!;
    const h = pdf.lookupNumber(img.dict.get(PDFName.of('Height')))!;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      rgba[i * 4] = rgb[i * 3]!;
      rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
      rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
      rgba[i * 4 + 3] = alpha[i]!;
    }
    expect(canonicalImageHash({ width: w, height: h, rgba })).toEqual(canonicalImageHash(appearance));
    // Real size: 42 mm = 119.055 pt.
    const rect = pdf.lookupArray(field!.dict.get(PDFName.of('Rect')))!.asArray().map((n) => pdf.lookupNumber(n)!);
    expect(rect[2]! - rect[0]!).toBeCloseTo((42 * 72) / 25.4, 2);
  });

  it('three units seal in turn (B-T, object-stream original): all three signatures stay valid', async () => {
    const { objstm } = await getCorpus();
    const timestamper = opensslTimestamper(pki);
    let doc: Buffer = Buffer.from(objstm);
    const signers = [signerFor(pki.leafP256), signerFor(pki.leafRsa), signerFor(leafThird)];
    for (let i = 0; i < 3; i++) {
      doc = await sealPdf(doc, base({ level: 'B-T', timestamper, signer: signers[i]!, xMm: 40 + i * 60, yMm: 40 }));
    }
    const pdf = readPdf(doc);
    expect(signatureFields(pdf).map((f) => f.name)).toEqual(['Seal1', 'Seal2', 'Seal3']);
    expect(pdf.revisions).toHaveLength(4);
    await expectAllJudgesPass(doc, 3);
    // Each widget is on the page once.
    const annots = pdf.lookupArray(pdf.findPage(1)!.dict.get(PDFName.of('Annots')))!;
    expect(annots.size()).toBe(3);
  });

  it('B-LT adds a DSS covering every signature; B-LTA adds a document time-stamp pdfsig lists', async () => {
    const { linearized } = await getCorpus();
    const timestamper = opensslTimestamper(pki);
    const first = await sealPdf(linearized, base({ level: 'B-T', timestamper }));
    const lt = await sealPdf(first, base({
      level: 'B-LT', timestamper, revocation, signer: signerFor(pki.leafRsa), xMm: 60, extraCertificates: [pki.root.certDer],
    }));
    const pdf = readPdf(lt);
    const dss = pdf.lookupDict(pdf.catalog().get(PDFName.of('DSS')))!;
    const certs = pdf.lookupArray(dss.get(PDFName.of('Certs')))!;
    const ocsps = pdf.lookupArray(dss.get(PDFName.of('OCSPs')))!;
    // Both leaves, the intermediate, the TSA and the OCSP responder (the root is the trust anchor, not needed).
    expect(certs.size()).toBeGreaterThanOrEqual(5);
    const certDers = certs.asArray().map((r) => Buffer.from((pdf.resolve(r) as PDFRawStream).contents));
    for (const c of [pki.leafP256, pki.leafRsa, pki.intermediate, pki.tsa, pki.ocsp]) {
      expect(certDers.some((d) => d.equals(c.certDer)), c.name).toBe(true);
    }
    // Both leaves and the TSA certificate (issued by the intermediate), and the intermediate (by the root).
    expect(ocsps.size()).toBeGreaterThanOrEqual(4);
    await expectAllJudgesPass(lt, 2);

    const lta = await sealPdf(lt, base({
      level: 'B-LTA', timestamper, revocation, xMm: 100, yMm: 200, signer: signerFor(leafThird), extraCertificates: [pki.root.certDer],
    }));
    const { sig, v } = await expectAllJudgesPass(lta, 3);
    expect(sig.out).toContain('Signature Field Name: DocTimeStamp');
    expect(v.find((r) => r.field === 'DocTimeStamp')?.out).toContain('Verification: OK');
    const last = readPdf(lta);
    const dts = signatureFields(last).find((f) => f.name === 'DocTimeStamp')!.value!;
    expect(last.lookupName(dts.get(PDFName.of('Type')))).toBe('DocTimeStamp');
    expect(last.lookupName(dts.get(PDFName.of('SubFilter')))).toBe('ETSI.RFC3161');
    // The DSS of the LTA revision was extended, not replaced.
    const dss2 = last.lookupDict(last.catalog().get(PDFName.of('DSS')))!;
    expect(last.lookupArray(dss2.get(PDFName.of('Certs')))!.size()).toBeGreaterThanOrEqual(certs.size());
  });

  it('certifies the first seal (DocMDP P2) and locks its field; a later certification is refused', async () => {
    const { table } = await getCorpus();
    const out = await sealPdf(table, base({ certify: 2, lockField: true }));
    const pdf = readPdf(out);
    const perms = pdf.lookupDict(pdf.catalog().get(PDFName.of('Perms')))!;
    const sigDict = pdf.lookupDict(perms.get(PDFName.of('DocMDP')))!;
    const refs = pdf.lookupArray(sigDict.get(PDFName.of('Reference'))) as PDFArray;
    expect(refs.asArray().map((r) => pdf.lookupName((r as PDFDict).get(PDFName.of('TransformMethod'))))).toEqual(['DocMDP', 'FieldMDP']);
    const field = signatureFields(pdf)[0]!;
    expect(pdf.lookupDict(field.dict.get(PDFName.of('Lock')))).toBeInstanceOf(PDFDict);
    await expectAllJudgesPass(out, 1);
    await expect422(sealPdf(out, base({ certify: 1 })), 'certification-not-first', 'certify');
    const again = await sealPdf(out, base({ xMm: 50, signer: signerFor(pki.leafRsa) }));
    await expectAllJudgesPass(again, 2);
    const locked = await sealPdf(table, base({ certify: 1 }));
    await expect422(sealPdf(locked, base()), 'document-locked');
  });

  it('refuses bad inputs with 422', async () => {
    const { table } = await getCorpus();
    await expect422(sealPdf(Buffer.from('%!PS-Adobe-3.0 not a pdf'), base()), 'not-a-pdf');
    await expect422(sealPdf(table.subarray(0, 2000), base()), 'unsealable-pdf');
    await expect422(sealPdf(qpdf(table, ['--encrypt', '', 'owner', '256', '--']), base()), 'encrypted-pdf');
    await expect422(sealPdf(table, base({ page: 4 })), 'page-not-found', 'page');
    await expect422(sealPdf(table, base({ page: 0 })), 'page-not-found', 'page');
    await expect422(sealPdf(table, base({ xMm: 200 })), 'seal-off-page', 'x'); // A4 is 210 mm wide, the seal 42 mm
    await expect422(sealPdf(table, base({ yMm: 10 })), 'seal-off-page', 'y');
    await expect422(sealPdf(table, base({ yMm: 250, xMm: 60, page: 3 })), 'seal-off-page', 'y'); // page 3 is cropped to 183 mm high
    await expect422(sealPdf(table, base({ level: 'B-T' })), 'level-unavailable', 'level');
    const once = await sealPdf(table, base({ fieldName: 'Finance' }));
    await expect422(sealPdf(once, base({ fieldName: 'Finance' })), 'field-name-taken', 'fieldName');
  });

  it('seals PDF 1.4 and 2.0 headers and a document signed before with a hybrid of tools (pdf-lib load still works)', async () => {
    const one = await basicPdf({ pages: 1 });
    for (const v of ['1.4', '2.0']) {
      const s = Buffer.from(one);
      s.write(`%PDF-${v}`, 0, 'latin1');
      const out = await sealPdf(s, base());
      await expectAllJudgesPass(out, 1);
    }
  });

  it('seals a hybrid-reference file and a Ghostscript file', async () => {
    const out = await sealPdf(hybridPdf(), base({ xMm: 100, yMm: 150 }));
    await expectAllJudgesPass(out, 1);
    const { gs } = await getCorpus();
    if (gs) await expectAllJudgesPass(await sealPdf(gs, base()), 1);
    else if (process.env.CI) throw new Error('gs is required in CI');
  });

  it('keeps a signature made by another tool (pdfsig -add-signature, RSA, adbe.pkcs7.detached) valid', async () => {
    const { table } = await getCorpus();
    const dir = scratch('other-tool-');
    await writeFile(join(dir, 'in.pdf'), table);
    const other = await issueCert(pki, { name: 'pdf-struct-other-tool', subject: '/C=CN/O=Other Tool Unit/CN=Other Tool Signer', keyAlgorithm: 'RSA' });
    const db = await nssDbWithSigner(pki, other);
    const r = await runTool('pdfsig', ['-add-signature', '-nick', db.nick, '-nssdir', `sql:${db.dir}`, join(dir, 'in.pdf'), join(dir, 'signed.pdf')]);
    expect(r.code, r.stderr).toBe(0);
    const signed = await readFile(join(dir, 'signed.pdf'));
    const out = await sealPdf(signed, base({ level: 'B-LT', timestamper: opensslTimestamper(pki), revocation, extraCertificates: [pki.root.certDer] }));
    const sig = await pdfsig(out, nss);
    expect(sig.signatures).toHaveLength(2);
    for (const s of sig.signatures) expect(s.valid, s.block).toBe(true);
    expect(sig.signatures[0]!.subFilter).toBe('adbe.pkcs7.detached');
    expect((await qpdfCheck(out)).code).toBe(0);
    for (const v of await opensslVerifyAll(out, pki.root.certPath)) expect(v.code, v.out).toBe(0);
    expect(signatureFields(readPdf(out)).map((f) => f.name)).toHaveLength(2);
    // The DSS covers the other tool's signature too (its CMS is BER with indefinite lengths).
    const pdf = readPdf(out);
    const dss = pdf.lookupDict(pdf.catalog().get(PDFName.of('DSS')))!;
    const certDers = pdf.lookupArray(dss.get(PDFName.of('Certs')))!.asArray().map((r) => Buffer.from((pdf.resolve(r) as PDFRawStream).contents));
    expect(certDers.some((d) => d.equals(other.certDer))).toBe(true);
  });

  it('damaged inputs give a sealed PDF or a 422, never another error', async () => {
    const fc = await import('fast-check');
    const { objstm, table } = await getCorpus();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(objstm, table),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        async (src, cut, flips) => {
          const bytes = Buffer.from(src.subarray(0, src.length - (cut % 32)));
          for (const [at, v] of flips) bytes[at % bytes.length] = v;
          try {
            await sealPdf(bytes, base());
          } catch (e) {
            if (!(e instanceof AppError) || e.status !== 422) throw e;
          }
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
