/**
 * Incremental-update writer: appends new and changed objects, a cross-reference section in the style of the
 * original's newest section (table or stream) and a trailer with /Prev. The original bytes are copied once into
 * the output buffer and never altered, which is what keeps earlier signatures valid.
 *
 * Sizes are computed first, then one buffer (original + update) is allocated and filled — no intermediate
 * copies of the document.
 *
 *   const u = new IncrementalUpdate(pdf);      // pdf from readPdf()
 *   const ref = u.newRef();  u.set(ref, dict); u.set(existingRef, changedDict);
 *   const out = u.write();                     // { bytes, updateStart, spans }
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFObject, PDFRawStream, PDFRef } from 'pdf-lib';
import type { PdfFile } from './reader.js';

export interface WrittenUpdate {
  /** The whole output: the original bytes followed by the update. */
  bytes: Buffer;
  /** Offset of the first appended byte (== original length, plus one if an EOL had to be added). */
  updateStart: number;
  /** Byte span of each written object (from `N G obj` to after `endobj`), by object number. */
  spans: Map<number, { start: number; end: number }>;
  /** Offset of the new cross-reference section. */
  xrefOffset: number;
}

export interface WriteOptions {
  /** Second /ID element; random when not given. */
  idSecond?: Buffer;
  /** Spare bytes to allocate after the output, so a later update can be appended in place (see `inPlace`). */
  reserve?: number;
  /**
   * Append into the spare room after the input's bytes in its ArrayBuffer when it fits, instead of copying
   * the document. Only for inputs this process made with `reserve` and that nobody else holds a view of
   * beyond their length (sealPdf's intermediate revisions).
   */
  inPlace?: boolean;
}

const ascii = (s: string) => Buffer.from(s, 'latin1');

/**
 * Buffers this writer allocated with spare room, and how far each is used. Appending in place is only safe
 * into room we made ourselves and that nothing has written into since (a Buffer from elsewhere may share its
 * ArrayBuffer with unrelated data, e.g. Node's pool).
 */
const owned = new WeakMap<ArrayBufferLike, number>();

/**
 * Room for a received document plus `reserve` spare bytes after it, registered as owned so that sealing
 * appends its update in place instead of copying the document (memory grows with the update, not the
 * document). The caller fills the returned buffer (exactly `length` bytes) and hands it to nobody else.
 */
export function documentBuffer(length: number, reserve: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(length + reserve).subarray(0, length);
  owned.set(buf.buffer, length);
  return buf;
}

/** Whether `view` is a document this thread made with documentBuffer, alone in its ArrayBuffer (it may be handed over). */
export function isDocumentBuffer(view: Uint8Array): boolean {
  return view.byteOffset === 0 && owned.get(view.buffer) === view.length;
}

/**
 * A document this thread received whole from another (a structured clone: its ArrayBuffer, with any room the
 * sender had after the bytes, belongs to this thread alone), registered as owned like a documentBuffer, so
 * that sealing it appends in place instead of copying it once more. Undefined when there is no room after it.
 */
export function adoptReceivedDocument(view: Uint8Array): Buffer | undefined {
  if (view.byteOffset + view.length >= view.buffer.byteLength || owned.has(view.buffer)) return undefined;
  const buf = Buffer.from(view.buffer, view.byteOffset, view.length);
  owned.set(buf.buffer, buf.byteOffset + buf.length);
  return buf;
}

/** Spare room a received document gets: the seal's update (appearance image, signature, DSS) fits in it. */
export const DOCUMENT_RESERVE = 2 * 1024 * 1024;

export class IncrementalUpdate {
  private readonly objects = new Map<number, { ref: PDFRef; object: PDFObject }>();
  private nextNumber: number;
  private readonly baseSize: number;

  constructor(readonly pdf: PdfFile) {
    const size = pdf.lookupNumber(pdf.trailer.get(PDFName.of('Size'))) ?? 0;
    let max = 0;
    for (const n of pdf.xref.keys()) if (n > max) max = n;
    this.baseSize = Math.max(size, max + 1);
    this.nextNumber = this.baseSize;
  }

  /** A fresh object number (generation 0) beyond every number the document uses. */
  newRef(): PDFRef {
    return PDFRef.of(this.nextNumber++, 0);
  }

  set(ref: PDFRef, object: PDFObject): void {
    this.objects.set(ref.objectNumber, { ref, object });
  }

  has(ref: PDFRef): boolean {
    return this.objects.has(ref.objectNumber);
  }

  /** The object as this update will write it, else as the document has it. */
  get(ref: PDFRef): PDFObject | undefined {
    return this.objects.get(ref.objectNumber)?.object ?? this.pdf.getObject(ref);
  }

  write(opts: WriteOptions = {}): WrittenUpdate {
    const original = this.pdf.bytes;
    const newest = this.pdf.revisions[this.pdf.revisions.length - 1]!;
    const last = original[original.length - 1];
    const lead = last === 0x0a || last === 0x0d ? 0 : 1;
    const updateStart = original.length + lead;

    // 1. Lay out the objects.
    const items = [...this.objects.values()].sort((a, b) => a.ref.objectNumber - b.ref.objectNumber);
    const layout: { ref: PDFRef; object: PDFObject; head: Buffer; start: number; size: number }[] = [];
    let pos = updateStart;
    for (const { ref, object } of items) {
      const head = ascii(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
      const size = head.length + object.sizeInBytes() + 8; // "\nendobj\n"
      layout.push({ ref, object, head, start: pos, size });
      pos += size;
    }
    const xrefOffset = pos;
    // Offsets written into the file count as the file's own do (from %PDF when bytes come before it); the
    // positions this method returns (spans, xrefOffset) stay absolute, as byte ranges are.
    const base = this.pdf.offsetBase;
    // /Size counts what is written (refs handed out but never set must not inflate it: qpdf warns).
    let size = this.baseSize;
    for (const l of layout) size = Math.max(size, l.ref.objectNumber + 1);

    // 2. The trailer entries carried over, with a new /ID second element.
    const old = this.pdf.trailer;
    const oldId = old.get(PDFName.of('ID'));
    const second = PDFHexString.of((opts.idSecond ?? randomBytes(16)).toString('hex').toUpperCase());
    const first = oldId instanceof PDFArray && oldId.size() >= 1 ? (oldId.get(0) as PDFObject) : second;
    const id = PDFArray.withContext(this.pdf.context);
    id.push(first);
    id.push(second);
    const carried = (d: PDFDict) => {
      d.set(PDFName.of('Root'), old.get(PDFName.of('Root')) as PDFObject);
      const info = old.get(PDFName.of('Info'));
      if (info) d.set(PDFName.of('Info'), info);
      d.set(PDFName.of('ID'), id);
      d.set(PDFName.of('Prev'), PDFNumber.of(newest.xrefOffset - base));
    };

    // 3. The cross-reference section.
    let section: Buffer;
    const spans = new Map<number, { start: number; end: number }>();
    for (const l of layout) spans.set(l.ref.objectNumber, { start: l.start, end: l.start + l.size });
    if (newest.kind === 'table') {
      const trailer = PDFDict.withContext(this.pdf.context);
      trailer.set(PDFName.of('Size'), PDFNumber.of(size));
      carried(trailer);
      const parts: string[] = ['xref\n'];
      for (const run of runs(layout.map((l) => ({ num: l.ref.objectNumber, gen: l.ref.generationNumber, offset: l.start - base })))) {
        parts.push(`${run[0]!.num} ${run.length}\n`);
        for (const e of run) parts.push(`${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`);
      }
      parts.push('trailer\n');
      const tbytes = Buffer.alloc(trailer.sizeInBytes());
      trailer.copyBytesInto(tbytes, 0);
      section = Buffer.concat([ascii(parts.join('')), tbytes, ascii(`\nstartxref\n${xrefOffset - base}\n%%EOF\n`)]);
    } else {
      const selfRef = PDFRef.of(size++, 0);
      const entries = [
        ...layout.map((l) => ({ num: l.ref.objectNumber, gen: l.ref.generationNumber, offset: l.start - base })),
        { num: selfRef.objectNumber, gen: 0, offset: xrefOffset - base },
      ];
      const offsetWidth = Math.max(4, Math.ceil(Math.log2(xrefOffset + 1) / 8));
      const index = PDFArray.withContext(this.pdf.context);
      const rowsData: number[] = [];
      for (const run of runs(entries)) {
        index.push(PDFNumber.of(run[0]!.num));
        index.push(PDFNumber.of(run.length));
        for (const e of run) {
          rowsData.push(1);
          for (let i = offsetWidth - 1; i >= 0; i--) rowsData.push(Math.floor(e.offset / 256 ** i) % 256);
          rowsData.push((e.gen >> 8) & 0xff, e.gen & 0xff);
        }
      }
      const dict = PDFDict.withContext(this.pdf.context);
      dict.set(PDFName.of('Type'), PDFName.of('XRef'));
      dict.set(PDFName.of('Size'), PDFNumber.of(size));
      carried(dict);
      dict.set(PDFName.of('Index'), index);
      const w = PDFArray.withContext(this.pdf.context);
      [1, offsetWidth, 2].forEach((n) => w.push(PDFNumber.of(n)));
      dict.set(PDFName.of('W'), w);
      dict.set(PDFName.of('Filter'), PDFName.of('FlateDecode'));
      const stream = PDFRawStream.of(dict, deflateSync(Uint8Array.from(rowsData)));
      const head = ascii(`${selfRef.objectNumber} 0 obj\n`);
      const body = Buffer.alloc(stream.sizeInBytes());
      stream.copyBytesInto(body, 0);
      section = Buffer.concat([head, body, ascii(`\nendobj\nstartxref\n${xrefOffset - base}\n%%EOF\n`)]);
      spans.set(selfRef.objectNumber, { start: xrefOffset, end: xrefOffset + head.length + body.length + 8 });
    }

    // 4. One buffer, filled in place.
    const total = xrefOffset + section.length;
    let out: Buffer;
    const used = owned.get(original.buffer);
    if (opts.inPlace && used === original.byteOffset + original.length && original.byteOffset + total <= original.buffer.byteLength) {
      out = Buffer.from(original.buffer, original.byteOffset, total);
    } else {
      // Not pooled (its ArrayBuffer is its own) and not zero-filled: every byte up to `total` is written below.
      out = Buffer.allocUnsafeSlow(total + (opts.reserve ?? 0)).subarray(0, total);
      out.set(original, 0);
    }
    if (out.buffer.byteLength > total) owned.set(out.buffer, out.byteOffset + total);
    if (lead) out[original.length] = 0x0a;
    for (const l of layout) {
      let p = l.start;
      out.set(l.head, p);
      p += l.head.length;
      p += l.object.copyBytesInto(out, p);
      out.write('\nendobj\n', p, 'latin1');
      if (p + 8 !== l.start + l.size) throw new Error(`object ${l.ref.tag}: size mismatch in the writer`);
    }
    section.copy(out, xrefOffset);
    return { bytes: out, updateStart, spans, xrefOffset };
  }
}

/** Consecutive object numbers grouped into subsections. */
function runs<T extends { num: number }>(entries: T[]): T[][] {
  const sorted = [...entries].sort((a, b) => a.num - b.num);
  const out: T[][] = [];
  for (const e of sorted) {
    const run = out[out.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && prev.num + 1 === e.num) run.push(e);
    else out.push([e]);
  }
  return out;
}
