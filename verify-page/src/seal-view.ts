/**
 * Each seal as it appears on the page: pdf.js renders the page and the seal's widget rectangle is cut out of it,
 * so the picture is what a reader of the document sees (after any later change), not what the certificate says.
 * pdf.js runs on the page's own thread (its worker module is bundled in and registered as globalThis.pdfjsWorker),
 * with eval and font loading off: the page needs no worker URL, no blob: scripts and no fonts from anywhere,
 * which keeps it within its Content-Security-Policy and working from a file:// URL with no network.
 */
import * as pdfjs from 'pdfjs-dist';
// @ts-expect-error -- the worker module ships without type declarations; only WorkerMessageHandler is used.
import * as pdfjsWorker from 'pdfjs-dist/build/pdf.worker.mjs';

(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = pdfjsWorker;

export interface SealPicture {
  /** 1-based page number. */
  page: number;
  /** A PNG data: URL of the seal's region (with a margin). */
  dataUrl: string;
}

interface Widget { fieldName?: string; fieldType?: string; rect: [number, number, number, number] }

/** Scale at which pages are rendered (2 = 144 dpi): enough for the seal's text to be legible. */
const SCALE = 2;

/**
 * Pictures of the named signature fields (their first widget); fields with no widget on any page are absent.
 * Never throws: a document pdf.js cannot render simply yields no pictures.
 */
export async function sealPictures(bytes: Uint8Array, fields: string[]): Promise<Map<string, SealPicture>> {
  const out = new Map<string, SealPicture>();
  const wanted = new Set(fields);
  if (!wanted.size) return out;
  let doc: pdfjs.PDFDocumentProxy | undefined;
  try {
    doc = await pdfjs.getDocument({
      data: Uint8Array.from(bytes), // pdf.js takes ownership of (detaches) what it is given
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
    for (let n = 1; n <= doc.numPages && out.size < wanted.size; n++) {
      const page = await doc.getPage(n);
      const widgets = ((await page.getAnnotations({ intent: 'display' })) as Widget[])
        .filter((a) => a.fieldType === 'Sig' && a.fieldName !== undefined && wanted.has(a.fieldName) && !out.has(a.fieldName));
      if (!widgets.length) continue;
      const viewport = page.getViewport({ scale: SCALE });
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      await page.render({ canvas, canvasContext: canvas.getContext('2d')!, viewport }).promise;
      for (const wdg of widgets) {
        const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(wdg.rect) as [number, number, number, number];
        const left = Math.min(x1, x2), top = Math.min(y1, y2), width = Math.abs(x2 - x1), height = Math.abs(y2 - y1);
        if (width < 1 || height < 1) continue; // an invisible signature has no picture
        const margin = Math.max(width, height) * 0.15;
        const sx = Math.max(0, Math.floor(left - margin)), sy = Math.max(0, Math.floor(top - margin));
        const sw = Math.min(canvas.width - sx, Math.ceil(width + 2 * margin)), sh = Math.min(canvas.height - sy, Math.ceil(height + 2 * margin));
        const crop = document.createElement('canvas');
        crop.width = sw;
        crop.height = sh;
        crop.getContext('2d')!.drawImage(canvas, sx, sy, sw, sh, 0, 0, sw, sh);
        out.set(wdg.fieldName!, { page: n, dataUrl: crop.toDataURL('image/png') });
      }
      page.cleanup();
    }
  } catch {
    /* no pictures: the verification report stands on its own */
  } finally {
    await doc?.destroy();
  }
  return out;
}
