/**
 * placement=auto on documents drawn with pdf-lib, with a CJK font embedded (a Noto Serif SC subset, ToUnicode)
 * and not embedded at all (STSong-Light through the UniGB-UCS2-H CMap): the seal is found a place by GB/T
 * 9704 §7.3.5, sealed there, rendered by poppler, and its red centre must be where the rule puts it (computed
 * from poppler's own word boxes) within 2 mm. Classification marks are read from the same kind of pages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { sealPdf } from '../../src/pdf/seal.js';
import { examineForSealing, type SealPlacement } from '../../src/placement/index.js';
import { makeTestPki, signerFor, type TestPki } from '../helpers/openssl-pki.js';
import { toolRequired } from '../pdf/fixtures.js';
import { redSeal } from '../pdf/seal-image.js';
import { pdfLibDocument, scannedDocument, type PdfLibFont, type PlacedLine } from './official-documents.js';
import { keepForLooking, popplerWords, redSeals, renderPage, ruleCentre } from './look.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});

const SEAL = { widthMm: 42, heightMm: 42 };
const UNIT = { name: '广州市教育局', aliases: ['市教育局'] };

/** A GB/T 9704 page body: title, addressee, two lines of text; the signature block below, as a clerk sets it. */
function letter(opts: { title?: string; body?: string[]; name?: string; date?: string; nameX?: number; mark?: string; nameTc?: number; nameAboveDateMm?: number } = {}): PlacedLine[] {
  const lines: PlacedLine[] = [];
  if (opts.mark) lines.push({ text: opts.mark, xMm: 28, baselineMm: 252, size: 16 });
  lines.push({ text: opts.title ?? '广州市教育局关于开展校园安全检查的通知', xMm: 105, align: 'centre', baselineMm: 232, size: 22 });
  lines.push({ text: '各区教育局：', xMm: 28, baselineMm: 215 });
  (opts.body ?? ['为做好校园安全工作，现将有关事项通知如下。', '请各单位认真组织，按时报送检查结果。']).forEach((t, i) =>
    lines.push({ text: t, xMm: 39.3, baselineMm: 205 - i * 10.2 }));
  // 成文日期 右空四字 (4 em from the right margin at 184 mm); the name centred over the date.
  const date = opts.date ?? '2026年11月29日';
  const dateRight = 184 - 4 * 5.64;
  lines.push({ text: date, xMm: dateRight, align: 'right', baselineMm: 160 });
  const dateWidth = [...date].reduce((s, c) => s + (c.codePointAt(0)! < 0x2e80 ? 0.5 : 1), 0) * 5.64;
  lines.push({ text: opts.name ?? UNIT.name, xMm: opts.nameX ?? dateRight - dateWidth / 2, align: 'centre', baselineMm: 160 + (opts.nameAboveDateMm ?? 10.2), charSpacing: opts.nameTc });
  return lines;
}

async function sealAt(pdf: Uint8Array, p: SealPlacement): Promise<Buffer> {
  return sealPdf(pdf, { page: p.page, xMm: p.xMm, yMm: p.yMm, appearance: redSeal(240, SEAL.widthMm), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date() });
}

/** Seal by the rule, render, and compare the red seal's centre with the rule applied to poppler's word boxes. */
async function expectSealedByRule(pdf: Uint8Array, o: { page: number; name: string; date?: string; turned?: boolean; look: string; names?: string[] }) {
  const { placement } = await examineForSealing(pdf, { auto: { names: o.names ?? [UNIT.name, ...UNIT.aliases], seal: SEAL } });
  expect(placement).toBeDefined();
  expect(placement!.page).toBe(o.page);
  const words = await popplerWords(pdf, o.page, o.turned);
  const want = ruleCentre(words, o.name, o.date);
  expect(Math.hypot(placement!.xMm - want.x, placement!.yMm - want.y), JSON.stringify({ placement, want })).toBeLessThan(2);
  const sealed = await sealAt(pdf, placement!);
  const png = await renderPage(sealed, o.page);
  keepForLooking(png, `${o.look}.png`);
  const { seals } = await redSeals(png);
  expect(seals, 'one red seal on the page').toHaveLength(1);
  const seen = seals[0]!;
  expect(Math.abs(seen.w - SEAL.widthMm)).toBeLessThan(1.5); // real size
  expect(Math.hypot(seen.x - want.x, seen.y - want.y), JSON.stringify({ seen, want })).toBeLessThan(2);
  return { placement: placement!, seen };
}

const fonts: PdfLibFont[] = ['embedded', 'not-embedded'];

describe.skipIf(!toolRequired('pdftoppm'))('placement=auto on pdf-lib documents, judged on the page poppler renders', () => {
  for (const font of fonts) {
    it(`${font} font: one issuer, date in digits`, async () => {
      const pdf = await pdfLibDocument([letter()], font);
      await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', look: `pdflib-${font}-digits` });
    });

    it(`${font} font: date in Chinese numerals, the name spread with spaces, found by an alias`, async () => {
      const pdf = await pdfLibDocument([letter({ name: '市 教 育 局', date: '二〇二六年十一月二十九日' })], font);
      const { placement } = await expectSealedByRule(pdf, { page: 1, name: '市教育局', date: '二〇二六年十一月二十九日', look: `pdflib-${font}-chinese-date` });
      expect(placement).toMatchObject({ name: '市教育局', date: '二〇二六年十一月二十九日', shiftedMm: 0 });
    });
  }

  it('the name spread with ideographic spaces (U+3000), as Chinese word processors do', async () => {
    const pdf = await pdfLibDocument([letter({ name: '广　州　市　教　育　局' })], 'not-embedded');
    await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', look: 'pdflib-ideographic-spaces' });
  });

  it('a blank line between the name and the date', async () => {
    const pdf = await pdfLibDocument([letter({ nameAboveDateMm: 20.4 })], 'embedded');
    const { placement } = await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', look: 'pdflib-blank-line' });
    expect(placement.date).toBe('2026年11月29日');
  });

  it('the name spread by character spacing (Tc), not by spaces', async () => {
    const pdf = await pdfLibDocument([letter({ nameTc: 8 })], 'embedded');
    await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', look: 'pdflib-char-spacing' });
  });

  it('the last page holds only the signature block; a blank back page after it is skipped', async () => {
    const block = letter().slice(-2);
    const pdf = await pdfLibDocument([letter().slice(0, -2), letter().slice(0, -2), block, []], 'embedded');
    await expectSealedByRule(pdf, { page: 3, name: UNIT.name, date: '2026年11月29日', look: 'pdflib-last-page-block' });
    // A page asked for is the only one looked at.
    const e = await examineForSealing(pdf, { auto: { names: [UNIT.name], seal: SEAL, page: 1 } }).then(() => undefined, (x: unknown) => x);
    expect(e).toMatchObject({ status: 422, type: 'placement-not-found', details: { pages: [1] } });
    const none = await examineForSealing(pdf, { auto: { names: [UNIT.name], seal: SEAL, page: 9 } }).then(() => undefined, (x: unknown) => x);
    expect(none).toMatchObject({ status: 422, type: 'page-not-found', details: { field: 'page' } });
  });

  it('bytes that are not a PDF: 422, never a crash', async () => {
    for (const bytes of [Buffer.from('not a pdf at all'), Buffer.alloc(0), Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF')]) {
      const e = await examineForSealing(bytes, { auto: { names: [UNIT.name], seal: SEAL } }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(422);
    }
  });

  for (const rotate of [90, 180, 270]) {
    it(`a page turned by /Rotate ${rotate}: placed in the reader's view`, async () => {
      const turned = rotate % 180 !== 0;
      // A landscape view (297 × 210 mm) for 90/270: the block sits lower.
      const lines = letter().map((l) => (turned ? { ...l, baselineMm: l.baselineMm - 87, xMm: l.xMm + 87 } : l));
      const pdf = await pdfLibDocument([lines], 'embedded', { rotate: [rotate] });
      await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', turned, look: `pdflib-rotate-${rotate}` });
    });
  }

  it('the name inside the title, a sentence and the imprint line (版记) is not the signature', async () => {
    const lines = [
      ...letter({ body: ['经广州市教育局研究决定，现将有关事项通知如下。', '请各单位认真组织，按时报送检查结果。'] }),
      // 版记: 印发机关和印发日期, at the foot of the last page.
      { text: '广州市教育局办公室', xMm: 30, baselineMm: 40 },
      { text: '2026年11月30日印发', xMm: 182, align: 'right' as const, baselineMm: 40 },
    ];
    const pdf = await pdfLibDocument([lines], 'not-embedded');
    await expectSealedByRule(pdf, { page: 1, name: UNIT.name, date: '2026年11月29日', look: 'pdflib-decoys' });
  });

  it('seals already over the name: each next one moves sideways just clear of them; when none fits, 422', async () => {
    let pdf: Uint8Array = await pdfLibDocument([letter()], 'embedded');
    const placed: SealPlacement[] = [];
    let refusal: unknown;
    for (let i = 0; i < 6 && !refusal; i++) {
      try {
        const { placement } = await examineForSealing(pdf, { auto: { names: [UNIT.name], seal: SEAL } });
        placed.push(placement!);
        pdf = await sealAt(pdf, placement!);
      } catch (e) {
        refusal = e;
      }
    }
    // 42 mm seals, 1 mm apart, on a 210 mm page: four fit in the row, the fifth is refused.
    expect(placed).toHaveLength(4);
    expect(placed[0]!.shiftedMm).toBe(0);
    expect(new Set(placed.map((p) => p.yMm)).size).toBe(1); // sideways only
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).status).toBe(422);
    expect((refusal as AppError).type).toBe('placement-no-room');
    const png = await renderPage(pdf, 1);
    keepForLooking(png, 'pdflib-four-side-by-side.png');
    const { seals } = await redSeals(png);
    expect(seals).toHaveLength(4);
    for (let i = 1; i < seals.length; i++) expect(seals[i]!.box.x0, 'seals apart, not touching').toBeGreaterThan(seals[i - 1]!.box.x1 + 1);
    const xs = placed.map((p) => p.xMm).sort((a, b) => a - b);
    seals.forEach((s, i) => expect(Math.abs(s.x - xs[i]!)).toBeLessThan(1));
  });

  it('with a riding seal in the same signature, the seal keeps clear of the slice at the right edge', async () => {
    const block: PlacedLine[] = [
      { text: UNIT.name, xMm: 180, align: 'centre', baselineMm: 150 },
      { text: '2026年11月29日', xMm: 180, align: 'centre', baselineMm: 140 },
    ];
    const pdf = await pdfLibDocument([letter().slice(0, -2), block], 'embedded');
    const plain = (await examineForSealing(pdf, { auto: { names: [UNIT.name], seal: SEAL } })).placement!;
    expect(plain).toMatchObject({ page: 2, shiftedMm: 0 });
    const riding = (await examineForSealing(pdf, { auto: { names: [UNIT.name], seal: SEAL, riding: true } })).placement!;
    // Two pages: a 21 mm slice at x 189..210 mm; the seal (42 mm) stops 1 mm short of it.
    expect(riding.shiftedMm).toBeLessThan(0);
    expect(riding.xMm + 21).toBeLessThanOrEqual(189 - 1 + 0.05);
    const sealed = await sealPdf(pdf, { page: 2, xMm: riding.xMm, yMm: riding.yMm, riding: true, appearance: redSeal(240, 42), signer: signerFor(pki.leafP256), level: 'B-B', signingTime: new Date() });
    const png = await renderPage(sealed, 2);
    keepForLooking(png, 'pdflib-riding-clear.png');
    const { seals } = await redSeals(png);
    expect(seals).toHaveLength(2); // the seal and the slice, apart
  });

  it('a scanned document (images, no text) and a document without the name: 422 placement-not-found, saying what was looked for', async () => {
    const scan = await scannedDocument(await pdfLibDocument([letter()], 'embedded'));
    const e1 = await examineForSealing(scan, { auto: { names: [UNIT.name, ...UNIT.aliases], seal: SEAL } }).then(() => undefined, (x: unknown) => x);
    expect(e1).toBeInstanceOf(AppError);
    expect((e1 as AppError).type).toBe('placement-not-found');
    expect((e1 as AppError).message).toContain('广州市教育局');
    expect((e1 as AppError).message).toContain('no text');
    const other = await pdfLibDocument([letter({ name: '广州市财政局' })], 'embedded');
    const e2 = await examineForSealing(other, { auto: { names: [UNIT.name], seal: SEAL } }).then(() => undefined, (x: unknown) => x);
    expect((e2 as AppError).type).toBe('placement-not-found');
    expect((e2 as AppError).details).toMatchObject({ lookedFor: ['广州市教育局'], pages: [1] });
  });
});

describe('classification marks on the first page (Art. 6)', () => {
  const marked = ['机密★1年', '秘密', '绝密★长期', '机 密', '秘密★6个月', '绝密'];
  for (const font of fonts) {
    for (const mark of marked) {
      it(`${font}: "${mark}" at the top left is a mark`, async () => {
        const pdf = await pdfLibDocument([letter({ mark }), letter()], font);
        const { classification } = await examineForSealing(pdf, {});
        expect(classification).toMatchObject({ level: mark.replace(/\s/g, '').slice(0, 2), page: 1 });
      });
    }
  }
  it('份号 above the mark, as GB/T 9704 sets them', async () => {
    const lines = letter({ mark: '机密★1年' });
    lines.unshift({ text: '000123', xMm: 28, baselineMm: 262 });
    const { classification } = await examineForSealing(await pdfLibDocument([lines], 'embedded'), {});
    expect(classification).toEqual({ level: '机密', period: '1年', text: '机密★1年', page: 1 });
  });

  const unmarked: [string, PlacedLine[]][] = [
    ['机密 inside the body text', letter({ body: ['本通知内容不得泄露机密。', '机密'.concat('文件按规定管理。')] })],
    ['a title about secrets', letter({ title: '关于加强机密文件管理的通知' })],
    ['"机密" at the top RIGHT', [...letter(), { text: '机密', xMm: 182, align: 'right', baselineMm: 252 }]],
    ['"机密" below the title', [...letter(), { text: '机密', xMm: 28, baselineMm: 222 }]],
    ['"秘密" on the lower part of the page', [...letter(), { text: '秘密', xMm: 28, baselineMm: 100 }]],
  ];
  for (const [what, lines] of unmarked) {
    it(`not a mark: ${what}`, async () => {
      const { classification } = await examineForSealing(await pdfLibDocument([lines], 'embedded'), {});
      expect(classification).toBeNull();
    });
  }
  it('a mark on page 2 only is not a first-page mark', async () => {
    const { classification } = await examineForSealing(await pdfLibDocument([letter(), letter({ mark: '机密' })], 'embedded'), {});
    expect(classification).toBeNull();
  });
});
