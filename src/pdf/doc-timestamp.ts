/**
 * PAdES B-LTA: a document time-stamp revision. An invisible signature field whose /V is a /DocTimeStamp
 * dictionary (/SubFilter /ETSI.RFC3161); its /Contents is an RFC 3161 TimeStampToken over the digest of the
 * ByteRange, i.e. of the whole document before it (the DSS included).
 */
import { PDFDict, PDFName } from 'pdf-lib';
import type { DigestName, Timestamper } from './cms.js';
import { IncrementalUpdate, type WriteOptions } from './incremental-writer.js';
import { readPdf } from './reader.js';
import { addSignatureField, uniqueFieldName } from './signature-field.js';
import { setPlaceholders, withPlaceholderRetry, writeSignedRevision } from './signed-revision.js';
import { noteTimestampTokenSize, timestampTokenSize } from './timestamp-size.js';

export async function addDocumentTimestamp(
  bytes: Uint8Array,
  timestamper: Timestamper,
  digest: DigestName = 'SHA-256',
  fieldName?: string,
  writeOptions: WriteOptions = {},
): Promise<Buffer> {
  const pdf = readPdf(bytes);
  const page = pdf.findPage(1);
  if (!page) throw new Error('document without pages');
  const name = fieldName ?? uniqueFieldName(pdf, undefinedIfTaken(pdf, 'DocTimeStamp'));
  const size = await timestampTokenSize(timestamper, digest);
  const signed = await withPlaceholderRetry(size, async (room) => {
    const u = new IncrementalUpdate(pdf);
    const sigRef = u.newRef();
    const sig = PDFDict.withContext(pdf.context);
    sig.set(PDFName.of('Type'), PDFName.of('DocTimeStamp'));
    setPlaceholders(sig, room);
    sig.set(PDFName.of('Filter'), PDFName.of('Adobe.PPKLite'));
    sig.set(PDFName.of('SubFilter'), PDFName.of('ETSI.RFC3161'));
    u.set(sigRef, sig);
    addSignatureField(u, { page, rect: [0, 0, 0, 0], name, sigRef });
    return writeSignedRevision(u, sigRef, digest, async (d) => {
      const token = await timestamper(d, digest);
      noteTimestampTokenSize(timestamper, token.length, digest);
      return token;
    }, writeOptions);
  });
  return signed.bytes;
}

/** `base` when free, else undefined (so uniqueFieldName picks SealN-style numbering from `base`). */
function undefinedIfTaken(pdf: ReturnType<typeof readPdf>, base: string): string | undefined {
  try {
    return uniqueFieldName(pdf, base);
  } catch {
    for (let i = 2; ; i++) {
      try {
        return uniqueFieldName(pdf, `${base}${i}`);
      } catch {
        // taken; try the next number
      }
    }
  }
}
