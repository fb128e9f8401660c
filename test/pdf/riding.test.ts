/**
 * Riding seals (骑缝章): one signature whose seal is split across the right edge of the pages. Judged by
 * pdfsig and qpdf; every page rendered by poppler shows its slice at the right edge; the pages' right edges
 * side by side show the one seal (compared pixel by pixel with the same seal shown whole); the verifier
 * marks the riding seal and refuses a document where a page lost its slice.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, PDFRef } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { IncrementalUpdate } from '../../src/pdf/incremental-writer.js';
import { readPdf } from '../../src/pdf/reader.js';
import { MIN_SLICE_MM, ridingLayout } from '../../src/pdf/riding.js';
import { sealPdf, type SealPdfOptions } from '../../src/pdf/seal.js';
import { signatureFields } from '../../src/pdf/signature-field.js';
import { verifyPdf } from '../../src/verify/index.js';
import { makeTestPki, nssDbTrusting, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { keepForLooking, redMask, redSeals, renderPage, sideBySide, strip } from '../placement/look.js';
import { libreOfficePdf, type Para } from '../placement/official-documents.js';
import { basicPdf, scratch, toolRequired } from './fixtures.js';
import { opensslVerifyAll, pdfsig, qpdfCheck } from './judges.js';
import { redSeal } from './seal-image.js';
import { join } from 'node:path';
import { haveJudges } from '../helpers/judges.js';

let pki: TestPki;
let nss: string;
beforeAll(async () => {
  pki = await makeTestPki();
  // Only where NSS's certutil is: the tests that judge with pdfsig skip without it (test/helpers/judges.ts).
  if (haveJudges('certutil')) nss = await nssDbTrusting(pki.root.certPem);
});

const SEAL_MM = 42;
const opts = (over: Partial<SealPdfOptions> = {}): SealPdfOptions => ({
  page: 1, riding: true, appearance: redSeal(420, SEAL_MM), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date(), ...over,
});
const PX_PER_MM = 100 / 25.4;

/** The box (mm; y from the bottom) of the red pixels within `stripMm` of the page's right edge, if any. */
async function redAtRightEdge(png: string, stripMm: number) {
  const { mask, width, height } = await redMask(png);
  let x0 = Infinity, x1 = -1, y0 = Infinity, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = Math.max(0, Math.floor(width - stripMm * PX_PER_MM)); x < width; x++) {
      if (!mask[y * width + x]) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return undefined;
  return {
    x1Mm: (x1 + 1) / PX_PER_MM, wMm: (x1 - x0 + 1) / PX_PER_MM, hMm: (y1 - y0 + 1) / PX_PER_MM,
    yMm: (height - (y0 + y1 + 1) / 2) / PX_PER_MM, pageWidthMm: width / PX_PER_MM, pageHeightMm: height / PX_PER_MM,
  };
}

describe('the riding seal layout', () => {
  it('every page gets one slice, none narrower than 2 mm; imprints as even as can be', () => {
    for (const width of [20, 38, 42, 45]) {
      for (let n = 2; n <= 120; n++) {
        const slices = ridingLayout(n, width);
        expect(slices.map((s) => s.page)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        for (const s of slices) expect(s.widthMm).toBeGreaterThanOrEqual(MIN_SLICE_MM - 1e-9);
        const imprints = new Map<number, typeof slices>();
        for (const s of slices) imprints.set(s.imprint, [...(imprints.get(s.imprint) ?? []), s]);
        const sizes = [...imprints.values()].map((g) => g.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        // Fewest imprints possible, and each imprint is the whole seal, left to right.
        expect(imprints.size).toBe(Math.ceil(n / Math.floor(width / MIN_SLICE_MM)));
        for (const g of imprints.values()) {
          expect(g[0]!.fromMm).toBe(0);
          g.forEach((s, i) => i > 0 && expect(s.fromMm).toBeCloseTo(g[i - 1]!.fromMm + g[i - 1]!.widthMm, 9));
          expect(g.reduce((a, s) => a + s.widthMm, 0)).toBeCloseTo(width, 9);
        }
      }
    }
  });

  it('a one-page document has no riding seal: 422 before anything is signed', async () => {
    const e = await sealPdf(await basicPdf({ pages: 1 }), opts()).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError)).toMatchObject({ status: 422, type: 'riding-needs-pages' });
  });
});

const contract = (): Para[] => [
  { text: '广州市政府采购合同', size: 22, align: 'center' },
  ...Array.from({ length: 5 }, (_, p) => [
    { text: `第${'一二三四五'[p]}条`, align: 'start' as const, pageBreakBefore: p > 0 },
    ...Array(6).fill({ text: '甲乙双方经协商一致，订立本合同，共同遵守。本合同一式四份，双方各执两份，具有同等法律效力。', indentEm: 2 }),
  ]).flat(),
];

describe.skipIf(!toolRequired('pdftoppm') || !toolRequired('soffice'))('a riding seal on a 5-page document', () => {
  let doc: Uint8Array;
  let sealed: Buffer;
  beforeAll(async () => {
    doc = await libreOfficePdf(contract());
    expect(readPdf(doc).pageRefs()).toHaveLength(5);
    // With the main seal on the last page, in the same incremental update.
    sealed = await sealPdf(doc, opts({ page: 5, xMm: 140, yMm: 80 }));
  });

  it('is one signature in one update: pdfsig says valid and trusted, qpdf and openssl agree', async () => {
    const pdf = readPdf(sealed);
    expect(pdf.revisions).toHaveLength(2);
    const fields = signatureFields(pdf);
    expect(fields).toHaveLength(1);
    const kids = pdf.lookupArray(fields[0]!.dict.get(PDFName.of('Kids')))!;
    expect(kids.size()).toBe(6); // the main seal and five slices
    // poppler 22.12 lists the one signature once per widget (it reads each widget kid as a field of its own):
    // every entry is field Seal1, the same signed ranges, valid and trusted.
    const judged = await pdfsig(sealed, nss);
    expect(judged.signatures.length, judged.out).toBeGreaterThanOrEqual(1);
    const ranges = new Set(judged.signatures.map((s) => /Signed Ranges: (.*)/.exec(s.block)?.[1]));
    expect(ranges.size, judged.out).toBe(1);
    for (const s of judged.signatures) {
      expect(s.block).toContain('Signature Field Name: Seal1');
      expect(s.valid, judged.out).toBe(true);
    }
    // (poppler 22.12 says "Unknown issue" for a certificate it has already validated in the same run.)
    expect(judged.signatures[0]!.trusted, judged.out).toBe(true);
    expect((await qpdfCheck(sealed)).code).toBe(0);
    for (const r of await opensslVerifyAll(sealed, pki.root.certPath, pki.chainPath)) expect(r.code, r.out).toBe(0);
  });

  it('every page shows its slice at the right edge, halfway up; side by side the slices are one seal', async () => {
    const pngs: string[] = [];
    const slice = SEAL_MM / 5;
    for (let p = 1; p <= 5; p++) {
      const png = await renderPage(sealed, p);
      pngs.push(keepForLooking(png, `riding-page-${p}.png`));
      const edge = await redAtRightEdge(png, slice + 3);
      expect(edge, `page ${p}: a red slice at the right edge`).toBeDefined();
      expect(edge!.x1Mm, `page ${p}: the slice reaches the edge`).toBeGreaterThan(edge!.pageWidthMm - 0.5);
      expect(Math.abs(edge!.wMm - slice), `page ${p} slice width`).toBeLessThan(1);
      // The round seal's middle slice is as tall as the seal; the outer ones are chords of it, shorter.
      expect(edge!.hMm, `page ${p} slice height`).toBeLessThan(SEAL_MM + 1);
      if (p === 3) expect(Math.abs(edge!.hMm - SEAL_MM), 'the middle slice is as tall as the seal').toBeLessThan(1.5);
      expect(Math.abs(edge!.yMm - 297 / 2), `page ${p} slice centred on the page's height`).toBeLessThan(1.5);
    }
    keepForLooking(await sideBySide(pngs, join(scratch('riding-'), 'pages.png'), 12), 'riding-pages-side-by-side.png');
    // The right-edge strips of pages 1..5, joined: the seal as a whole.
    const dir = scratch('riding-strips-');
    const w = Math.round(slice * PX_PER_MM);
    const strips: string[] = [];
    for (const [i, png] of pngs.entries()) {
      const { width } = await redMask(png);
      strips.push(await strip(png, width - w, w, join(dir, `s${i}.png`)));
    }
    const joined = keepForLooking(await sideBySide(strips, join(dir, 'joined.png')), 'riding-joined.png');
    // The whole seal as shown by the main seal on page 5, cut to the same box.
    const whole = await redMask(pngs[4]!);
    const main = (await redSeals(pngs[4]!)).seals.find((s) => s.box.x1 < whole.width - 20)!;
    expect(main).toBeDefined();
    const got = await redMask(joined);
    const top = (await redSeals(joined)).seals[0]!.box;
    expect(Math.abs((top.x1 - top.x0 + 1) / PX_PER_MM - SEAL_MM)).toBeLessThan(1.5);
    expect(Math.abs((top.y1 - top.y0 + 1) / PX_PER_MM - SEAL_MM)).toBeLessThan(1.5);
    // Red where the whole seal is red: intersection over union of the two masks.
    let inter = 0;
    let union = 0;
    for (let y = 0; y <= main.box.y1 - main.box.y0; y++) {
      for (let x = 0; x <= main.box.x1 - main.box.x0; x++) {
        const a = whole.mask[(main.box.y0 + y) * whole.width + main.box.x0 + x]!;
        const gx = top.x0 + x;
        const gy = top.y0 + y;
        const b = gx < got.width && gy < got.height ? got.mask[gy * got.width + gx]! : 0;
        if (a && b) inter++;
        if (a || b) union++;
      }
    }
    expect(inter / union, 'the joined slices look like the whole seal').toBeGreaterThan(0.85);
  });

  it('the verifier marks the riding seal with its pages and finds every slice in place', async () => {
    const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(report.valid).toBe(true);
    expect(report.signatures[0]).toMatchObject({ status: 'VALID', riding: true, ridingPages: [1, 2, 3, 4, 5] });
    expect(report.signatures[0]!.checks.ridingSlices).toBe(true);
  });

  /** An incremental update written after the riding seal. */
  function tamper(edit: (u: IncrementalUpdate) => void): Buffer {
    const pdf = readPdf(sealed);
    const u = new IncrementalUpdate(pdf);
    edit(u);
    return u.write().bytes;
  }
  const pageAt = (u: IncrementalUpdate, n: number) => {
    const ref = u.pdf.pageRefs()[n - 1]!;
    return { ref, dict: (u.get(ref) as PDFDict).clone(u.pdf.context) };
  };

  const attacks: [string, (u: IncrementalUpdate) => void, number][] = [
    ['the slice taken off page 3', (u) => {
      const p = pageAt(u, 3);
      const annots = u.pdf.lookupArray(p.dict.get(PDFName.of('Annots')))!.clone(u.pdf.context);
      const kept = PDFArray.withContext(u.pdf.context);
      for (const a of annots.asArray()) {
        const d = u.pdf.lookupDict(a);
        if (!(d && d.has(PDFName.of('Parent')))) kept.push(a);
      }
      p.dict.set(PDFName.of('Annots'), kept);
      u.set(p.ref, p.dict);
    }, 3],
    ['pages 2 and 4 swapped', (u) => {
      const root = u.pdf.catalog().get(PDFName.of('Pages')) as PDFRef;
      const tree = (u.get(root) as PDFDict).clone(u.pdf.context);
      const kids = (u.pdf.lookupArray(tree.get(PDFName.of('Kids')))!).clone(u.pdf.context);
      const [two, four] = [kids.get(1), kids.get(3)];
      kids.set(1, four);
      kids.set(3, two);
      tree.set(PDFName.of('Kids'), kids);
      u.set(root, tree);
    }, 2],
    ['a page added at the end', (u) => {
      const root = u.pdf.catalog().get(PDFName.of('Pages')) as PDFRef;
      const tree = (u.get(root) as PDFDict).clone(u.pdf.context);
      const kids = (u.pdf.lookupArray(tree.get(PDFName.of('Kids')))!).clone(u.pdf.context);
      const page = pageAt(u, 1).dict.clone(u.pdf.context);
      page.delete(PDFName.of('Annots'));
      const ref = u.newRef();
      u.set(ref, page);
      kids.push(ref);
      tree.set(PDFName.of('Kids'), kids);
      tree.set(PDFName.of('Count'), PDFNumber.of(6));
      u.set(root, tree);
    }, 6],
  ];
  for (const [what, edit, page] of attacks) {
    it(`refused when ${what}: riding-slice-missing names page ${page}`, async () => {
      const report = await verifyPdf(tamper(edit), { trustAnchors: [pki.root.certDer] });
      const s = report.signatures[0]!;
      expect(s.status).toBe('INVALID');
      expect(s.checks.ridingSlices).toBe(false);
      const missing = s.problems.filter((p) => p.reason === 'riding-slice-missing');
      expect(missing.length, JSON.stringify(s.problems)).toBeGreaterThan(0);
      expect(missing.some((p) => p.detail.includes(`page ${page}`)), JSON.stringify(missing)).toBe(true);
    });
  }
});

describe.skipIf(!toolRequired('pdftoppm'))('riding seals on other documents', () => {
  it('alone (no main seal), on pages turned by /Rotate: the slice is at the right edge the reader sees', async () => {
    const doc = await basicPdf({ pages: 4, rotate: [0, 90, 180, 270] });
    const sealed = await sealPdf(doc, opts());
    const judged = await pdfsig(sealed, nss);
    expect(judged.signatures[0]!.valid, judged.out).toBe(true);
    for (let p = 1; p <= 4; p++) {
      const png = keepForLooking(await renderPage(sealed, p), `riding-rotated-${p}.png`);
      const all = await redAtRightEdge(png, 1000);
      const edge = await redAtRightEdge(png, SEAL_MM / 4 + 3);
      expect(all, `page ${p}: red only in the slice`).toEqual(edge);
      expect(edge!.x1Mm, `page ${p}: at the right edge`).toBeGreaterThan(edge!.pageWidthMm - 0.5);
      expect(Math.abs(edge!.wMm - SEAL_MM / 4)).toBeLessThan(1);
      expect(Math.abs(edge!.yMm - edge!.pageHeightMm / 2)).toBeLessThan(1.5);
    }
    const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(report.signatures[0]).toMatchObject({ status: 'VALID', riding: true, ridingPages: [1, 2, 3, 4] });
  });

  it('a 30-page document: two imprints of 15 pages, slices of 2.8 mm', async () => {
    const doc = await basicPdf({ pages: 30 });
    const sealed = await sealPdf(doc, opts());
    for (const p of [1, 15, 16, 30]) {
      const edge = await redAtRightEdge(await renderPage(sealed, p), 6);
      expect(edge, `page ${p}`).toBeDefined();
      expect(Math.abs(edge!.wMm - SEAL_MM / 15), `page ${p}`).toBeLessThan(0.8);
    }
    const report = await verifyPdf(sealed, { trustAnchors: [pki.root.certDer] });
    expect(report.signatures[0]).toMatchObject({ status: 'VALID', riding: true });
    expect(report.signatures[0]!.ridingPages).toHaveLength(30);
  });

  it('a later seal by another unit leaves the riding seal valid, and is placed beside it', async () => {
    const doc = await basicPdf({ pages: 3 });
    const first = await sealPdf(doc, opts({ page: 3, xMm: 100, yMm: 60 }));
    const second = await sealPdf(first, { ...opts({ page: 3, xMm: 150, yMm: 60 }), riding: false });
    const report = await verifyPdf(second, { trustAnchors: [pki.root.certDer] });
    expect(report.signatures.map((s) => s.status)).toEqual(['VALID', 'VALID']);
    expect(report.signatures[0]).toMatchObject({ riding: true, ridingPages: [1, 2, 3] });
    expect(report.signatures[1]!.riding).toBeUndefined();
  });
});
