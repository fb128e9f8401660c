/**
 * Hostile PDFs built in code, byte by byte: each class of issue 12 and its generalisations. Every file has a
 * readable start (a catalog, a page) so that what trips the service is the hostile part, not a missing header.
 */
import { deflateSync } from 'node:zlib';
import { Zlib } from 'fflate';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Objects numbered from 1 as given (bodies without `N 0 obj`), a classic xref table, a trailer. */
export function classicPdf(bodies: (string | Buffer)[], trailerExtra = '', header = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'): Buffer {
  const parts: Buffer[] = [latin1(header)];
  let len = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((b, i) => {
    offsets.push(len);
    const chunk = Buffer.concat([latin1(`${i + 1} 0 obj\n`), typeof b === 'string' ? latin1(b) : b, latin1('\nendobj\n')]);
    parts.push(chunk);
    len += chunk.length;
  });
  const xref = [`xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(latin1(`${xref}trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${len}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** A one-page document: 1 catalog, 2 pages, 3 page, with `pageExtra` inside the page dictionary. */
export function onePage(pageExtra = '', more: (string | Buffer)[] = []): Buffer {
  return classicPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] ${pageExtra} >>`,
    ...more,
  ]);
}

/** Appends one cross-reference stream section (object `num`) to `base`, with its /Prev to the previous section. */
export function appendXrefStream(base: Buffer, num: number, dict: string, data: Buffer): Buffer {
  const prev = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(base.toString('latin1'))?.[1];
  const at = base.length;
  const obj = Buffer.concat([
    latin1(`${num} 0 obj\n<< /Type /XRef /Root 1 0 R ${prev ? `/Prev ${prev} ` : ''}${dict} /Length ${data.length} >>\nstream\n`),
    data,
    latin1(`\nendstream\nendobj\nstartxref\n${at}\n%%EOF\n`),
  ]);
  return Buffer.concat([base, obj]);
}

/** Issue 12: `/W [0 0 0]` and a huge /Index, over `sections` /Prev sections. */
export function xrefZeroWidth(sections = 4, index = 2_000_000_000): Buffer {
  let f = onePage();
  for (let i = 0; i < sections; i++) f = appendXrefStream(f, 10 + i, `/W [0 0 0] /Size ${index} /Index [0 ${index}]`, Buffer.alloc(0));
  return f;
}

/** Generalisation: a one-byte row and an /Index far beyond the stream's data. */
export function xrefIndexBeyondData(): Buffer {
  return appendXrefStream(onePage(), 10, '/W [1 0 0] /Size 4000000000 /Index [0 4000000000]', Buffer.alloc(8, 1));
}

/** Generalisation: every section honest, but together more entries than the object limit. */
export function xrefManySections(sections: number, rowsEach: number): Buffer {
  let f = onePage();
  for (let i = 0; i < sections; i++) {
    const rows = Buffer.alloc(rowsEach * 2);
    for (let r = 0; r < rowsEach; r++) rows[r * 2] = 0; // free entries: cheap to write, still entries
    f = appendXrefStream(f, 10 + i, `/W [1 1 0] /Size ${rowsEach} /Index [0 ${rowsEach}] /Filter /FlateDecode`, deflateSync(rows));
  }
  return f;
}

/** A million objects' worth of entries in one update (issue 12: +0.8 GB, 28 s). */
export function millionObjects(n = 1_000_000): Buffer {
  const rows = Buffer.alloc(n * 2); // type 0 (free) rows: the point is the count
  return appendXrefStream(onePage(), 10, `/W [1 1 0] /Size ${n} /Index [0 ${n}] /Filter /FlateDecode`, deflateSync(rows));
}

const bombs = new Map<number, Buffer>();
/**
 * deflate(deflate(zeros)): a few KB that inflate to `mb` MB in the second step. The inner stream is built
 * piecewise (fflate's streaming Zlib), so the test never holds the inflated size itself.
 */
export function flateBomb(mb = 100): Buffer {
  const hit = bombs.get(mb);
  if (hit) return hit;
  const chunks: Uint8Array[] = [];
  const z = new Zlib({ level: 9 }, (data) => { chunks.push(data); });
  const mega = new Uint8Array(1024 * 1024);
  for (let i = 0; i < mb; i++) z.push(mega);
  z.push(new Uint8Array(0), true);
  const bomb = deflateSync(Buffer.concat(chunks), { level: 9 });
  bombs.set(mb, bomb);
  return bomb;
}

/** Issue 12: a flate bomb as the cross-reference stream (double FlateDecode). */
export function xrefFlateBomb(): Buffer {
  return appendXrefStream(onePage(), 10, '/W [1 2 0] /Size 11 /Filter [/FlateDecode /FlateDecode]', flateBomb());
}

/** Generalisation: the bomb in an object stream that holds the catalog's /AcroForm (object 5). */
export function objectStreamBomb(): Buffer {
  const bomb = flateBomb();
  const f = classicPdf([
    '<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
    Buffer.concat([latin1(`<< /Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode] /Length ${bomb.length} >>\nstream\n`), bomb, latin1('\nendstream')]),
  ]);
  return appendXrefStream(f, 6, '/W [1 2 1] /Size 7 /Index [5 1]', Buffer.from([2, 0, 4, 0]));
}

/** Issue 12: the same child listed twice at every level, no /Count: 2^depth paths to walk. */
export function duplicateKids(depth = 40): Buffer {
  const bodies: string[] = ['<< /Type /Catalog /Pages 2 0 R >>'];
  for (let i = 0; i < depth; i++) bodies.push(`<< /Type /Pages /Kids [${i + 3} 0 R ${i + 3} 0 R] >>`);
  bodies.push(`<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 595 842] >>`);
  return classicPdf(bodies);
}

/** Generalisation: a page tree that contains itself (a node is its own grandchild), no /Count. */
export function pageTreeCycle(): Buffer {
  return classicPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 4 0 R] >>',
    '<< /Type /Pages /Kids [2 0 R 4 0 R 3 0 R] >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ]);
}

/** Generalisation: a /Count that lies (claims more pages than there are) over duplicate kids. */
export function lyingCount(depth = 30): Buffer {
  const bodies: string[] = ['<< /Type /Catalog /Pages 2 0 R >>'];
  for (let i = 0; i < depth; i++) bodies.push(`<< /Type /Pages /Kids [${i + 3} 0 R ${i + 3} 0 R] /Count 999999999 >>`);
  bodies.push(`<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 595 842] >>`);
  return classicPdf(bodies);
}

/** A one-page document with `value` under /Deep in the page dictionary and in the catalog (read by sealing and verifying). */
function deepIn(value: string): Buffer {
  return classicPdf([
    `<< /Type /Catalog /Pages 2 0 R /Deep ${value} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Deep ${value} >>`,
  ]);
}

/** Issue 12: a deeply nested array in the page dictionary. */
export function deepArray(depth = 20_000): Buffer {
  return deepIn(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** Generalisation: nested dictionaries, and arrays and dictionaries mixed. */
export function deepDict(depth = 20_000): Buffer {
  return deepIn(`${'<< /A '.repeat(depth)}1${' >>'.repeat(depth)}`);
}
export function deepMixed(depth = 20_000): Buffer {
  return deepIn(`${'[<< /A '.repeat(depth)}1${' >>]'.repeat(depth)}`);
}

/** Huge numbers in the catalog (read by verifying as well as sealing): a slow but legitimate read. */
export function hugeNumbersInCatalog(n: number): Buffer {
  return classicPdf([
    `<< /Type /Catalog /Pages 2 0 R /Huge [${'99999999999999999999 '.repeat(n)}] >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ]);
}

/** Issue 12: half a million huge numbers (pdf-lib warned once per number on stdout). */
export function hugeNumbers(n = 500_000): Buffer {
  return onePage(`/Huge [${'99999999999999999999 '.repeat(n)}]`);
}

/**
 * Two revisions where revision 1 ends with object 4 unterminated (an open string) and revision 2's bytes
 * close it: read within its own revision, object 4 does not parse; read across, it would swallow revision 1's
 * xref and trailer and revision 2's text.
 */
export function unterminatedAcrossRevisions(): { bytes: Buffer; firstEnd: number } {
  const head = latin1('%PDF-1.7\n');
  const objs = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Note 4 0 R >>\nendobj\n',
    '4 0 obj\n(signed text',
  ];
  let len = head.length;
  const offsets: number[] = [];
  for (const o of objs) { offsets.push(len); len += o.length; }
  const xref1 = `\nxref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${len + 1}\n%%EOF\n`;
  const rev1 = Buffer.concat([head, latin1(objs.join('')), latin1(xref1)]);
  const tail = ' added later) endobj\n';
  const obj5At = rev1.length + tail.length;
  const obj5 = '5 0 obj\n<< /Later true >>\nendobj\n';
  const xref2At = obj5At + obj5.length;
  const rev2 = `${tail}${obj5}xref\n0 1\n0000000000 65535 f \n5 1\n${String(obj5At).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Prev ${len + 1} >>\nstartxref\n${xref2At}\n%%EOF\n`;
  return { bytes: Buffer.concat([rev1, latin1(rev2)]), firstEnd: rev1.length };
}

/** Junk that some senders put before %PDF. */
export const JUNK_KINDS: Record<string, Buffer> = {
  bom: Buffer.from([0xef, 0xbb, 0xbf]),
  mailHeader: latin1('From: registry@example.org\r\nSubject: permit\r\nContent-Type: application/pdf\r\n\r\n'),
  nulPadding: Buffer.alloc(600, 0),
  binary: Buffer.from(Array.from({ length: 37 }, (_, i) => (i * 73 + 11) & 0xff).filter((b) => b !== 0x25)),
};
