/**
 * A page as a reader sees it: the visible area (CropBox within MediaBox) turned by /Rotate, and the mapping of
 * user-space rectangles into that view. No Node built-ins: the verifier (also in a browser) uses it.
 */
import { PDFDict, PDFObject } from 'pdf-lib';
import type { PdfFile } from './reader.js';

export type Rotation = 0 | 90 | 180 | 270;
export type Rect = [number, number, number, number];

export interface PageView {
  /** The visible area (CropBox within MediaBox) in default user space. */
  crop: Rect;
  rotation: Rotation;
  /** Width and height as the reader sees the page (turned by /Rotate), in points. */
  width: number;
  height: number;
}

function box(pdf: PdfFile, obj: PDFObject | undefined, revision?: number): Rect | undefined {
  const arr = pdf.lookupArray(obj, revision);
  if (!arr || arr.size() !== 4) return undefined;
  const n = arr.asArray().map((o) => pdf.lookupNumber(o, revision));
  if (n.some((x) => x === undefined)) return undefined;
  const [a, b, c, d] = n as number[] as Rect;
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** The page as of `revision` (default: the newest). */
export function pageView(pdf: PdfFile, page: PDFDict, revision?: number): PageView {
  const media = box(pdf, pdf.inherited(page, 'MediaBox', revision), revision) ?? [0, 0, 612, 792];
  const cropped = box(pdf, pdf.inherited(page, 'CropBox', revision), revision) ?? media;
  const crop: Rect = [Math.max(media[0], cropped[0]), Math.max(media[1], cropped[1]), Math.min(media[2], cropped[2]), Math.min(media[3], cropped[3])];
  const r = pdf.lookupNumber(pdf.inherited(page, 'Rotate', revision), revision) ?? 0;
  const norm = (((Math.round(r / 90) * 90) % 360) + 360) % 360;
  const rotation = norm as Rotation;
  const cw = crop[2] - crop[0];
  const ch = crop[3] - crop[1];
  return rotation % 180 === 0 ? { crop, rotation, width: cw, height: ch } : { crop, rotation, width: ch, height: cw };
}

/**
 * The box a user-space rectangle occupies in the reader's view of the page (the inverse of placeSeal's
 * mapping): points from the view's bottom-left corner, [x0, y0, x1, y1].
 */
export function viewBoxOf(view: PageView, rect: Rect): Rect {
  const [cx0, cy0, cx1, cy1] = view.crop;
  const cw = cx1 - cx0;
  const ch = cy1 - cy0;
  const toView = (x: number, y: number): [number, number] => {
    const u = x - cx0;
    const v = y - cy0;
    switch (view.rotation) {
      case 0: return [u, v];
      case 90: return [v, cw - u];
      case 180: return [cw - u, ch - v];
      case 270: return [ch - v, u];
    }
  };
  const p = toView(rect[0], rect[1]);
  const q = toView(rect[2], rect[3]);
  return [Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[0], q[0]), Math.max(p[1], q[1])];
}

