import sharp from 'sharp';

/** Alpha channel of a PNG as bytes. */
export async function alphaOf(png: Buffer): Promise<{ width: number; height: number; alpha: Uint8Array }> {
  const { data, info } = await sharp(png).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, alpha: data };
}

export interface InkComparison {
  /** Intersection over union of the ink masks (alpha ≥ 128), at the best shift within ±maxShift px. */
  iou: number;
  shift: { dx: number; dy: number };
  /** Mean |alpha difference| / 255 over the pixels where either image has ink. */
  meanAlphaDiffOnInk: number;
  /**
   * Extracted ink (alpha ≥ 128) farther than `slack` px from any reference ink, as a share of the
   * reference ink: what the extraction added (black text kept, specks), beyond edge wobble.
   */
  spuriousInk: number;
}

/** Compares an extracted seal with the reference seal rendered at the same size (both RGBA PNGs). */
export async function compareInk(extracted: Buffer, reference: Buffer, maxShift = 3, slack = 4): Promise<InkComparison> {
  const a = await alphaOf(extracted);
  const b = await alphaOf(reference);
  if (a.width !== b.width || a.height !== b.height) throw new Error(`size ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  const { width: w, height: h } = a;
  const ma = new Uint8Array(w * h), mb = new Uint8Array(w * h);
  let countA = 0, countB = 0;
  for (let i = 0; i < w * h; i++) {
    ma[i] = a.alpha[i]! >= 128 ? 1 : 0;
    mb[i] = b.alpha[i]! >= 128 ? 1 : 0;
    countA += ma[i]!;
    countB += mb[i]!;
  }
  let best = { iou: -1, dx: 0, dy: 0 };
  for (let dy = -maxShift; dy <= maxShift; dy++) {
    for (let dx = -maxShift; dx <= maxShift; dx++) {
      // |A ∩ shifted B|; the union is |A| + |B inside the frame| − the intersection.
      let inter = 0, bInside = 0;
      for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
        const rowA = y * w, rowB = (y + dy) * w + dx;
        for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
          const vb = mb[rowB + x]!;
          bInside += vb;
          inter += ma[rowA + x]! & vb;
        }
      }
      const union = countA + bInside - inter;
      const iou = union === 0 ? 0 : inter / union;
      if (iou > best.iou) best = { iou, dx, dy };
    }
  }
  void countB;
  let diff = 0, n = 0, refInk = 0;
  // Reference ink dilated by `slack` (a square window, via row and column running maxima).
  const near = new Uint8Array(w * h);
  const rowMax = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let k = Math.max(0, x - slack); k <= Math.min(w - 1, x + slack) && !m; k++) if (b.alpha[y * w + k]! >= 64) m = 1;
      rowMax[y * w + x] = m;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let k = Math.max(0, y - slack); k <= Math.min(h - 1, y + slack) && !m; k++) if (rowMax[k * w + x]) m = 1;
      near[y * w + x] = m;
    }
  }
  let spurious = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const xb = x + best.dx, yb = y + best.dy;
      const av = a.alpha[p]!;
      const bv = xb >= 0 && yb >= 0 && xb < w && yb < h ? b.alpha[yb * w + xb]! : 0;
      if (b.alpha[p]! >= 128) refInk++;
      if (av >= 128 || bv >= 128) {
        diff += Math.abs(av - bv);
        n++;
      }
      if (av >= 128 && !near[p]) spurious++;
    }
  }
  return { iou: best.iou, shift: { dx: best.dx, dy: best.dy }, meanAlphaDiffOnInk: n ? diff / n / 255 : 0, spuriousInk: refInk ? spurious / refInk : 0 };
}
