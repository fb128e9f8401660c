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
import { PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRawStream, StandardFonts, type PDFPage } from 'pdf-lib';
import { deflateSync } from 'node:zlib';

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
