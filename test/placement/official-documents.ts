/**
 * Official documents (公文) made the way units make them, for the placement tests:
 *   - a word processor: an ODT written here (content.xml, styles.xml, manifest) and printed to PDF by
 *     LibreOffice, with Debian's Song-style CJK faces (Noto Serif CJK SC, AR PL UMing) laid out as
 *     GB/T 9704-2012 lays out a document (A4, margins 37/35/28/26 mm, 三号 16 pt body, 22 lines a page);
 *   - pdf-lib directly, with a CJK font embedded (a subset written by opentype.js) or not embedded at all
 *     (STSong-Light with the UniGB-UCS2-H CMap, which a reader must look up);
 *   - a scan: every page one image, no text at all.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { strToU8, zipSync } from 'fflate';
import opentype from 'opentype.js';
import { PDFDocument, PDFName, PDFNumber, PDFString, type PDFPage } from 'pdf-lib';


const run = promisify(execFile);

export type Face = 'serif' | 'sans' | 'uming';
const FACE_NAME: Record<Face, string> = { serif: 'Noto Serif CJK SC', sans: 'Noto Sans CJK SC', uming: 'AR PL UMing CN' };

export interface Para {
  text: string;
  /** Points; 16 (三号) by default. */
  size?: number;
  face?: Face;
  align?: 'start' | 'center' | 'end' | 'justify';
  /** Right indent in em of this paragraph's size (成文日期 右空四字 = 4). */
  rightEm?: number;
  leftEm?: number;
  /** First-line indent in em (body text: 2). */
  indentEm?: number;
  pageBreakBefore?: boolean;
  /** Centre tab stops, mm from the left margin (joint issuers' names side by side). */
  centreTabsMm?: number[];
  bold?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Text with tabs and runs of spaces as ODF wants them. */
function odfText(s: string): string {
  return s
    .split('\t')
    .map((part) => esc(part).replace(/ {2,}/g, (m) => ` <text:s text:c="${m.length - 1}"/>`))
    .join('<text:tab/>');
}

export function odt(paras: Para[]): Uint8Array {
  const styles = paras.map((p, i) => {
    const size = p.size ?? 16;
    const tabs = p.centreTabsMm?.length
      ? `<style:tab-stops>${p.centreTabsMm.map((mm) => `<style:tab-stop style:position="${(mm / 10).toFixed(2)}cm" style:type="center"/>`).join('')}</style:tab-stops>`
      : '';
    const face = FACE_NAME[p.face ?? 'serif'];
    return `<style:style style:name="P${i}" style:family="paragraph" style:parent-style-name="Standard">
      <style:paragraph-properties fo:text-align="${p.align ?? 'justify'}" fo:margin-left="${((p.leftEm ?? 0) * size).toFixed(2)}pt"
        fo:margin-right="${((p.rightEm ?? 0) * size).toFixed(2)}pt" fo:text-indent="${((p.indentEm ?? 0) * size).toFixed(2)}pt"
        fo:line-height="28.95pt" fo:margin-top="0pt" fo:margin-bottom="0pt"${p.pageBreakBefore ? ' fo:break-before="page"' : ''}>${tabs}</style:paragraph-properties>
      <style:text-properties style:font-name-asian="${face}" style:font-name="${face}" fo:font-size="${size}pt" style:font-size-asian="${size}pt"
        fo:font-weight="${p.bold ? 'bold' : 'normal'}" style:font-weight-asian="${p.bold ? 'bold' : 'normal'}" fo:letter-spacing="normal"/>
    </style:style>`;
  });
  const ns = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
    xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"`;
  const fontDecls = `<office:font-face-decls>${Object.values(FACE_NAME)
    .map((f) => `<style:font-face style:name="${f}" svg:font-family="'${f}'" style:font-family-generic="roman" style:font-pitch="variable"/>`)
    .join('')}</office:font-face-decls>`;
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ${ns}>${fontDecls}
  <office:automatic-styles>${styles.join('')}</office:automatic-styles>
  <office:body><office:text>${paras.map((p, i) => `<text:p text:style-name="P${i}">${odfText(p.text)}</text:p>`).join('\n')}</office:text></office:body>
</office:document-content>`;
  const stylesXml = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles ${ns}>${fontDecls}
  <office:styles>
    <style:default-style style:family="paragraph">
      <style:paragraph-properties style:punctuation-wrap="simple" style:line-break="strict"/>
      <style:text-properties style:font-name="${FACE_NAME.serif}" style:font-name-asian="${FACE_NAME.serif}" fo:font-size="16pt"
        style:font-size-asian="16pt" fo:language="zh" fo:country="CN" style:language-asian="zh" style:country-asian="CN"/>
    </style:default-style>
    <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
  </office:styles>
  <office:automatic-styles>
    <style:page-layout style:name="GB9704">
      <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="3.7cm" fo:margin-bottom="3.5cm"
        fo:margin-left="2.8cm" fo:margin-right="2.6cm" style:print-orientation="portrait"/>
    </style:page-layout>
  </office:automatic-styles>
  <office:master-styles><style:master-page style:name="Standard" style:page-layout-name="GB9704"/></office:master-styles>
</office:document-styles>`;
  const manifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
  <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
  <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
  <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`;
  return zipSync({
    mimetype: [strToU8('application/vnd.oasis.opendocument.text'), { level: 0 }],
    'META-INF/manifest.xml': strToU8(manifest),
    'content.xml': strToU8(content),
    'styles.xml': strToU8(stylesXml),
  });
}

/** LibreOffice prints the ODT to PDF (its own profile in a temporary folder, so parallel runs do not collide). */
export async function libreOfficePdf(paras: Para[]): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'odt-'));
  writeFileSync(join(dir, 'doc.odt'), odt(paras));
  await run('soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'pdf', '--outdir', dir, join(dir, 'doc.odt')], {
    timeout: 120_000,
  });
  return readFileSync(join(dir, 'doc.pdf'));
}

// ---------------------------------------------------------------------------------------------------------
// pdf-lib documents

const MM = 72 / 25.4;

/** One line of text placed on the page: baseline and x in mm from the page's bottom-left corner. */
export interface PlacedLine {
  text: string;
  /** Points. */
  size?: number;
  baselineMm: number;
  /** Where xMm is: the line's left end, centre or right end. */
  align?: 'left' | 'centre' | 'right';
  xMm: number;
  /** Extra space after every character, in points (Tc): a name spread by character spacing, not spaces. */
  charSpacing?: number;
}

interface CjkFont {
  /** The font dictionary (Type0) to put in the page resources. */
  install(doc: PDFDocument): ReturnType<PDFDocument['context']['register']>;
  /** The string operand for the text and its advance in text space units (1/1000 em). */
  encode(text: string): { hex: string; advance: number };
}

/** Noto Serif SC (a Song face, from npm) subset to the characters used, embedded as CFF (OpenType) with a ToUnicode CMap. */
function embeddedSongFont(chars: string): CjkFont {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf');
  const bytes = readFileSync(file);
  const full = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const unique = [...new Set([...chars])];
  const glyphs = [full.glyphs.get(0), ...unique.map((c) => full.charToGlyph(c))];
  const scale = 1000 / full.unitsPerEm;
  const subset = new opentype.Font({
    familyName: 'NotoSerifSCSubset', styleName: 'Regular', unitsPerEm: full.unitsPerEm,
    ascender: full.ascender, descender: full.descender,
    glyphs: glyphs.map((g, i) => new opentype.Glyph({ name: i === 0 ? '.notdef' : `g${i}`, unicode: i === 0 ? undefined : unique[i - 1]!.codePointAt(0), advanceWidth: g.advanceWidth ?? full.unitsPerEm, path: g.path })),
  });
  const program = Buffer.from(subset.toArrayBuffer());
  const cid = new Map(unique.map((c, i) => [c, i + 1]));
  const widths = glyphs.map((g) => Math.round((g.advanceWidth ?? full.unitsPerEm) * scale));
  return {
    install(doc) {
      const ctx = doc.context;
      const fontFile = ctx.register(ctx.flateStream(program, { Subtype: 'OpenType' }));
      const descriptor = ctx.obj({
        Type: 'FontDescriptor', FontName: PDFName.of('AAAAAA+NotoSerifSC-Regular'), Flags: 6, FontBBox: [-1000, -300, 1000, 1000], ItalicAngle: 0,
        Ascent: 880, Descent: -120, CapHeight: 733, StemV: 80, FontFile3: fontFile,
      });
      const w = ctx.obj([0, widths]);
      const cidFont = ctx.obj({
        Type: 'Font', Subtype: 'CIDFontType0', BaseFont: PDFName.of('AAAAAA+NotoSerifSC-Regular'),
        CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('Identity'), Supplement: 0 },
        FontDescriptor: ctx.register(descriptor), W: w, DW: 1000,
      });
      const toUnicode = ctx.register(ctx.flateStream(toUnicodeCMap(unique.map((c, i) => [i + 1, c]))));
      return ctx.register(ctx.obj({
        Type: 'Font', Subtype: 'Type0', BaseFont: PDFName.of('AAAAAA+NotoSerifSC-Regular'), Encoding: 'Identity-H',
        DescendantFonts: [ctx.register(cidFont)], ToUnicode: toUnicode,
      }));
    },
    encode(text) {
      const ids = [...text].map((c) => cid.get(c) ?? 0);
      return { hex: ids.map((i) => i.toString(16).padStart(4, '0')).join(''), advance: ids.reduce((s, i) => s + widths[i]!, 0) };
    },
  };
}

function toUnicodeCMap(pairs: [number, string][]): string {
  const hex4 = (n: number) => n.toString(16).padStart(4, '0');
  const utf16 = (s: string) => [...Buffer.from(s, 'utf16le').swap16()].map((b) => b.toString(16).padStart(2, '0')).join('');
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 100) {
    const part = pairs.slice(i, i + 100);
    chunks.push(`${part.length} beginbfchar\n${part.map(([c, u]) => `<${hex4(c)}> <${utf16(u)}>`).join('\n')}\nendbfchar`);
  }
  return `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
${chunks.join('\n')}
endcmap CMapName currentdict /CMap defineresource pop end end`;
}

/**
 * STSong-Light, one of the CJK fonts every reader must know, NOT embedded: the text is UCS-2 through the
 * predefined UniGB-UCS2-H CMap, and a reader needs that CMap (and a font of its own) to show and read it.
 */
function standardSongFont(): CjkFont {
  const half = (c: string) => c.codePointAt(0)! < 0x2e80;
  return {
    install(doc) {
      const ctx = doc.context;
      const descriptor = ctx.register(ctx.obj({
        Type: 'FontDescriptor', FontName: PDFName.of('STSong-Light'), Flags: 6, FontBBox: [-25, -254, 1000, 880], ItalicAngle: 0,
        Ascent: 880, Descent: -120, CapHeight: 880, StemV: 93,
      }));
      const cidFont = ctx.register(ctx.obj({
        Type: 'Font', Subtype: 'CIDFontType0', BaseFont: PDFName.of('STSong-Light'),
        CIDSystemInfo: { Registry: PDFString.of('Adobe'), Ordering: PDFString.of('GB1'), Supplement: 2 },
        FontDescriptor: descriptor, DW: 1000, W: [1, 95, 500], // Adobe-GB1 CIDs 1-95: the half-width ASCII set
      }));
      return ctx.register(ctx.obj({ Type: 'Font', Subtype: 'Type0', BaseFont: PDFName.of('STSong-Light-UniGB-UCS2-H'), Encoding: 'UniGB-UCS2-H', DescendantFonts: [cidFont] }));
    },
    encode(text) {
      const hex = [...text].map((c) => c.codePointAt(0)!.toString(16).padStart(4, '0')).join('');
      return { hex, advance: [...text].reduce((s, c) => s + (half(c) ? 500 : 1000), 0) };
    },
  };
}

export type PdfLibFont = 'embedded' | 'not-embedded';

/** An A4 document drawn with pdf-lib, page by page, each line where given; `rotate` per page. */
export async function pdfLibDocument(pages: PlacedLine[][], font: PdfLibFont, opts: { rotate?: number[] } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const cjk = font === 'embedded' ? embeddedSongFont(pages.flat().map((l) => l.text).join('')) : standardSongFont();
  const fontRef = cjk.install(doc);
  pages.forEach((lines, i) => {
    const page: PDFPage = doc.addPage([210 * MM, 297 * MM]);
    const rot = opts.rotate?.[i] ?? 0;
    if (rot) page.node.set(PDFName.of('Rotate'), PDFNumber.of(rot));
    page.node.setFontDictionary(PDFName.of('F1'), fontRef);
    const ops: string[] = [];
    for (const l of lines) {
      const size = l.size ?? 16;
      const { hex, advance } = cjk.encode(l.text);
      const width = (advance / 1000) * size + (l.charSpacing ?? 0) * [...l.text].length;
      const x = l.xMm * MM - (l.align === 'centre' ? width / 2 : l.align === 'right' ? width : 0);
      // Lines are given in the reader's view; on a turned page, turn the text matrix against /Rotate.
      const [a, b, c, d, e, f] = viewToUser(rot, x, l.baselineMm * MM);
      ops.push(`BT /F1 ${size} Tf ${l.charSpacing ?? 0} Tc ${a} ${b} ${c} ${d} ${e.toFixed(2)} ${f.toFixed(2)} Tm <${hex}> Tj ET`);
    }
    page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.flateStream(ops.join('\n'))));
  });
  return doc.save({ useObjectStreams: false });
}

/** The text matrix that draws upright text at (x, y) of the reader's view on an A4 page turned by `rot`. */
function viewToUser(rot: number, x: number, y: number): [number, number, number, number, number, number] {
  const W = 210 * MM;
  const H = 297 * MM;
  switch (((rot % 360) + 360) % 360) {
    case 90: return [0, 1, -1, 0, W - y, x]; // the view is the page turned clockwise
    case 180: return [-1, 0, 0, -1, W - x, H - y];
    case 270: return [0, -1, 1, 0, y, H - x];
    default: return [1, 0, 0, 1, x, y];
  }
}

/** A scanned document: each page one greyscale image of the page (rendered here from `pdf`), no text. */
export async function scannedDocument(pdf: Uint8Array, dpi = 100): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'scan-'));
  writeFileSync(join(dir, 'in.pdf'), pdf);
  await run('pdftoppm', ['-gray', '-png', '-r', String(dpi), join(dir, 'in.pdf'), join(dir, 'p')], { timeout: 120_000 });
  const src = await PDFDocument.load(pdf);
  const doc = await PDFDocument.create();
  for (let i = 1; i <= src.getPageCount(); i++) {
    const name = [`p-${i}.png`, `p-${String(i).padStart(2, '0')}.png`].map((n) => join(dir, n)).find((f) => { try { readFileSync(f); return true; } catch { return false; } })!;
    const img = await doc.embedPng(readFileSync(name));
    const page = doc.addPage([210 * MM, 297 * MM]);
    page.drawImage(img, { x: 0, y: 0, width: 210 * MM, height: 297 * MM });
  }
  return doc.save();
}


