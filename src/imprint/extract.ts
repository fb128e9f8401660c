import sharp from 'sharp';
import { AppError, unprocessable } from '../errors.js';
import { canonicalImageHash, checkDpi, DEFAULT_DPI, getTemplate, mmToPx, templateSizeMm, type SealTemplate } from '../render/index.js';
import { boxHeight, boxSize, boxWidth, groupComponents, labelComponents, type Component } from './components.js';
import { decodeOverview, decodeRegion, probeImprint, type ProbedImprint, type RgbImage } from './decode.js';
import { fillUnderToner, rednessMap, ValueHistogram } from './ink.js';
import { estimateOrientation, ringResidualAngle, type Orientation } from './orientation.js';
import { estimatePaper, type PaperModel } from './paper.js';
import { fitShape, shapeRadius, type ShapeFit } from './shape.js';
import type { Box, ExtractedSeal, ImprintOptions, ImprintReport, SealShape } from './types.js';

/**
 * Scan or photo of the physical seal's imprint (印章印迹) → seal image (印章图像), in two passes so a
 * 12-megapixel photo costs little more than decoding it once:
 *  1. overview (long side ≤ 1200 px): paper colour, red ink, connected blobs, grouped into seals;
 *     refuse a blank page, black-and-white text, two seals, or a seal too small for the dpi asked;
 *  2. the seal's box only, decoded from the full-resolution image at about the output's scale:
 *     ink strength → alpha, straightened, checked for a closed outline of the expected shape,
 *     cropped to the outline and scaled to exactly the size in millimetres at the chosen dpi.
 * The output is the seal red with the imprint's own alpha (worn edges, uneven inking), transparent
 * and canonical (RGB 0 where alpha is 0) everywhere else, hashed as src/render/canonical.ts defines.
 */

/** The seal in the scan must have at least this share of the pixels the output needs (per side). */
export const MIN_SCAN_SCALE = 0.5;
/** Rotations beyond this are reported, not corrected: a seal turned further is not a scanning slip. */
export const MAX_ROTATION_DEGREES = 15;
/** The straightened outline may differ from the requested width:height by this factor. */
const ASPECT_TOLERANCE = 1.12;
/** A closed outline: at least this share of rim sectors on the fitted shape. */
const MIN_RIM_COVERAGE = 0.6;
const DEFAULT_SEAL_RED = '#E60012';
/** Largest output image (e.g. 42 mm at 2400 dpi is 15.8 MP): bounds the memory and time of one extraction. */
export const MAX_OUTPUT_PIXELS = 16_000_000;
const SIZE_RANGE_MM = { min: 5, max: 100 };

interface SizeMm {
  widthMm: number;
  heightMm: number;
}

const noSeal = (message: string) => unprocessable('no-seal-found', message, { field: 'imprint' });

function checkMm(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < SIZE_RANGE_MM.min || value > SIZE_RANGE_MM.max) {
    throw unprocessable('invalid-size', `${field} must be a number of millimetres from ${SIZE_RANGE_MM.min} to ${SIZE_RANGE_MM.max}.`, {
      field,
      min: SIZE_RANGE_MM.min,
      max: SIZE_RANGE_MM.max,
    });
  }
  return value;
}

/** The output size: an explicit size wins, then the template's; undefined = measure it from the scan. */
function requestedSize(opts: ImprintOptions, template: SealTemplate | undefined): SizeMm | undefined {
  if (opts.diameterMm !== undefined) {
    if (opts.widthMm !== undefined || opts.heightMm !== undefined) {
      throw unprocessable('invalid-size', 'Give either diameterMm or widthMm and heightMm, not both.', { field: 'diameterMm' });
    }
    const d = checkMm(opts.diameterMm, 'diameterMm');
    return { widthMm: d, heightMm: d };
  }
  if (opts.widthMm !== undefined || opts.heightMm !== undefined) {
    if (opts.widthMm === undefined || opts.heightMm === undefined) {
      const field = opts.widthMm === undefined ? 'widthMm' : 'heightMm';
      throw unprocessable('invalid-size', 'widthMm and heightMm go together.', { field });
    }
    return { widthMm: checkMm(opts.widthMm, 'widthMm'), heightMm: checkMm(opts.heightMm, 'heightMm') };
  }
  return template ? templateSizeMm(template) : undefined;
}

function parseColour(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export async function extractSealFromImprint(input: Buffer, opts: ImprintOptions = {}): Promise<ExtractedSeal> {
  const dpi = checkDpi(opts.dpi ?? DEFAULT_DPI);
  const template = opts.template !== undefined ? getTemplate(opts.template) : undefined;
  let requested = requestedSize(opts, template);
  const colour = parseColour(template?.color.value ?? DEFAULT_SEAL_RED);
  const expectedShape: SealShape | undefined = template
    ? template.shape.kind === 'square'
      ? 'rectangle'
      : 'ellipse'
    : undefined;
  const warnings: string[] = [];

  const probed = await probeImprint(input);
  if (requested === undefined && probed.densityDpi === undefined) {
    throw unprocessable(
      'size-required',
      'The scan records no resolution, so the seal size cannot be measured: give diameterMm (or widthMm and heightMm) or a template.',
      { field: 'diameterMm' },
    );
  }
  if (requested) {
    checkOutputSize(mmToPx(requested.widthMm, dpi), mmToPx(requested.heightMm, dpi));
    checkScanCanHold(probed, requested, dpi);
  }

  // Pass 1: where is the seal?
  const overview = await decodeOverview(input, probed);
  const paper = estimatePaper(overview);
  const located = locateSeal(overview, paper);
  if (located.otherRedShare > 0.02) warnings.push('Other red marks on the page were ignored.');

  const sx = probed.width / overview.width;
  const sy = probed.height / overview.height;
  const ob = located.box;
  const sealFullW = boxWidth(ob) * sx;
  const sealFullH = boxHeight(ob) * sy;
  // Until the seal is measured, an unsized request is measured at the scan's own resolution.
  const need = requested
    ? { w: mmToPx(requested.widthMm, dpi), h: mmToPx(requested.heightMm, dpi) }
    : { w: Math.round((sealFullW / probed.densityDpi!) * dpi), h: Math.round((sealFullH / probed.densityDpi!) * dpi) };
  const atEdge = ob.x0 <= 1 || ob.y0 <= 1 || ob.x1 >= overview.width - 1 || ob.y1 >= overview.height - 1;
  if (atEdge && requested && Math.abs(Math.log(sealFullW / sealFullH / (requested.widthMm / requested.heightMm))) > Math.log(ASPECT_TOLERANCE)) {
    throw unprocessable('seal-cut-off', 'The seal runs off the edge of the image; scan the whole imprint.', { field: 'imprint' });
  }
  checkOutputSize(need.w, need.h);
  const scanScale = Math.min(sealFullW / need.w, sealFullH / need.h);
  // The overview's box is coarse (±1 overview pixel); the exact check follows the fine measurement.
  if (scanScale < 0.9 * MIN_SCAN_SCALE) throw scanTooSmall(Math.round(sealFullW), Math.round(sealFullH), need.w, need.h, dpi);
  if (scanScale < 0.95) {
    warnings.push(`The seal in the scan has ${Math.round(scanScale * 100)}% of the pixels ${dpi} dpi needs; it was enlarged, so it is softer.`);
  }

  // Pass 2: the seal's box at full resolution (with a margin for the outline and for rotation),
  // brought to about 1.25× the output scale so straightening does not blur it.
  const margin = 0.06 * boxSize(ob) + 2;
  const region: Box = {
    x0: Math.max(0, Math.floor((ob.x0 - margin) * sx)),
    y0: Math.max(0, Math.floor((ob.y0 - margin) * sy)),
    x1: Math.min(probed.width, Math.ceil((ob.x1 + margin) * sx)),
    y1: Math.min(probed.height, Math.ceil((ob.y1 + margin) * sy)),
  };
  const f = Math.min(1, (need.w * need.h > 4_000_000 ? 1 : 1.25) / scanScale);
  const cropW = Math.max(1, Math.round((region.x1 - region.x0) * f));
  const cropH = Math.max(1, Math.round((region.y1 - region.y0) * f));
  const crop = await decodeRegion(input, region, cropW, cropH);
  const fx = (region.x1 - region.x0) / crop.width; // full-resolution pixels per crop pixel
  const fy = (region.y1 - region.y0) / crop.height;
  const dark = new Uint8Array(crop.width * crop.height);
  const redness = rednessMap(crop, paper, (x) => (region.x0 + x * fx) / sx, (y) => (region.y0 + y * fy) / sy, dark);
  const { alpha, hi, lo } = inkAlpha(redness, located.threshold);
  // Strokes of printed text are about 0.3–0.5 mm wide; bridge toner runs up to 1.2 mm.
  const cropPxPerMm = requested ? (boxWidth(ob) * sx) / fx / requested.widthMm : (probed.densityDpi! / 25.4) / fx;
  let darkCount = 0;
  for (let i = 0; i < dark.length; i++) darkCount += dark[i]!;
  if (darkCount <= 0.3 * dark.length) {
    fillUnderToner(alpha, dark, crop.width, crop.height, Math.min(40, Math.round(0.6 * cropPxPerMm)));
  } else {
    // Bridging costs time per dark pixel; a seal mostly under dark print is not worth guessing at.
    warnings.push('Much of the seal is covered by dark print; the ink under it is left out.');
  }

  // Straighten and fit; without a template, try both outlines unless the ink is clearly round.
  const hypotheses: SealShape[] = expectedShape
    ? [expectedShape]
    : requested && Math.abs(Math.log(requested.widthMm / requested.heightMm)) > Math.log(1.15)
      ? ['ellipse']
      : ['ellipse', 'rectangle'];
  let best: Straightened | undefined;
  for (const shape of hypotheses) {
    const s = await straighten(alpha, crop.width, crop.height, shape);
    if (!best || s.fit.coverage > best.fit.coverage) best = s;
    if (s.fit.coverage >= 0.9) break;
  }
  const seal = best!;
  if (seal.rotationSkipped !== undefined) {
    warnings.push(`The imprint is turned by about ${round(seal.rotationSkipped, 1)}°, more than the ±${MAX_ROTATION_DEGREES}° that is corrected; it was left as it is.`);
  }

  const bw = boxWidth(seal.box), bh = boxHeight(seal.box);
  const detectedFull = { w: bw * fx, h: bh * fy };
  // 1% slack: a 300 dpi scan holds exactly half of what 600 dpi needs, give or take the edge pixel.
  if (requested && Math.min(detectedFull.w / need.w, detectedFull.h / need.h) < 0.99 * MIN_SCAN_SCALE) {
    throw scanTooSmall(Math.round(detectedFull.w), Math.round(detectedFull.h), need.w, need.h, dpi);
  }
  let detectedSizeMm: { width: number; height: number };
  if (probed.densityDpi !== undefined) {
    detectedSizeMm = { width: (detectedFull.w / probed.densityDpi) * 25.4, height: (detectedFull.h / probed.densityDpi) * 25.4 };
  } else {
    warnings.push('The scan records no resolution; the detected size assumes the requested width.');
    detectedSizeMm = { width: requested!.widthMm, height: (requested!.widthMm * detectedFull.h) / detectedFull.w };
  }
  requested ??= { widthMm: round(detectedSizeMm.width, 1), heightMm: round(detectedSizeMm.height, 1) };

  // Is it one seal of the requested shape?
  const aspectMismatch = Math.abs(Math.log(bw / bh / (requested.widthMm / requested.heightMm)));
  const aspectOk = aspectMismatch <= Math.log(ASPECT_TOLERANCE);
  if (seal.fit.coverage < MIN_RIM_COVERAGE || !aspectOk) {
    if (seal.fit.coverage >= 0.85) {
      throw unprocessable(
        'seal-shape-mismatch',
        `The imprint is a single seal ${round(bw / bh, 2)} times as wide as high, but the size asked for is ${round(requested.widthMm / requested.heightMm, 2)}.`,
        { field: opts.diameterMm !== undefined ? 'diameterMm' : opts.widthMm !== undefined ? 'widthMm' : 'template' },
      );
    }
    if (atEdge) {
      throw unprocessable('seal-cut-off', 'The seal runs off the edge of the image; scan the whole imprint.', { field: 'imprint' });
    }
    if (!aspectOk) {
      throw unprocessable('multiple-seals', 'The red ink has the outline of overlapping seals, not of one seal; scan one clean imprint.', {
        field: 'imprint',
      });
    }
    throw noSeal('Red ink was found but not the closed outline of a seal.');
  }
  if (seal.fit.coverage < 0.85) warnings.push('The seal outline is broken in places (a worn or faint imprint).');
  if (probed.densityDpi !== undefined) {
    const off = Math.max(Math.abs(detectedSizeMm.width - requested.widthMm), Math.abs(detectedSizeMm.height - requested.heightMm));
    if (off > 1) {
      warnings.push(
        `The seal measures ${round(detectedSizeMm.width, 1)}×${round(detectedSizeMm.height, 1)} mm in the scan, not the ${requested.widthMm}×${requested.heightMm} mm asked for.`,
      );
    }
  }

  // Final image: the straightened box scaled to exactly the requested size at dpi.
  const width = mmToPx(requested.widthMm, dpi);
  const height = mmToPx(requested.heightMm, dpi);
  const finalAlpha = await sharp(seal.alpha8, { raw: { width: seal.width, height: seal.height, channels: 1 } })
    .extract({ left: seal.box.x0, top: seal.box.y0, width: bw, height: bh })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .extractChannel(0) // sharp would otherwise widen one band to sRGB
    .raw()
    .toBuffer();
  const rgba = Buffer.alloc(width * height * 4);
  let alphaSum = 0;
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5 - height / 2) / (height / 2);
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let a = finalAlpha[p]!;
      // Everything outside the outline is paper, whatever specks the scan had there.
      if (a > 0 && shapeRadius(seal.fit.shape, (x + 0.5 - width / 2) / (width / 2), dy) > 1 + 1 / Math.min(width, height)) a = 0;
      if (a === 0) continue;
      const o = p * 4;
      rgba[o] = colour[0];
      rgba[o + 1] = colour[1];
      rgba[o + 2] = colour[2];
      rgba[o + 3] = a;
      alphaSum += a;
    }
  }
  const imageHash = canonicalImageHash({ width, height, rgba });
  const png = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .withDensity(dpi)
    .png({ compressionLevel: 6, adaptiveFiltering: true, palette: false }) // level 9 costs 5× the time for 1% less
    .toBuffer();

  const isolation = 1 - located.otherRedShare;
  const contrast = clamp01((hi - lo) / 0.35);
  const confidence =
    clamp01(seal.fit.coverage) *
    Math.exp(-aspectMismatch * 4) *
    contrast *
    clamp01(isolation) *
    (seal.rotationSkipped !== undefined ? 0.5 : 1) *
    Math.sqrt(Math.min(1, scanScale)); // an enlarged scan is less certain to show the seal's detail
  const report: ImprintReport = {
    inkCoverage: round(alphaSum / 255 / (width * height), 4),
    detectedSizeMm: { width: round(detectedSizeMm.width, 2), height: round(detectedSizeMm.height, 2) },
    rotationDegrees: round(seal.rotation.degrees, 2),
    confidence: round(clamp01(confidence), 3),
    warnings,
  };
  return { png, width, height, widthMm: requested.widthMm, heightMm: requested.heightMm, dpi, imageHash, report };
}

function checkOutputSize(width: number, height: number): void {
  if (width * height > MAX_OUTPUT_PIXELS) {
    throw unprocessable('output-too-large', `A ${width}×${height} image is more than the ${MAX_OUTPUT_PIXELS} pixels a seal image may have; ask for a lower dpi.`, {
      field: 'dpi',
      maxPixels: MAX_OUTPUT_PIXELS,
    });
  }
}

function checkScanCanHold(probed: ProbedImprint, size: SizeMm, dpi: number): void {
  const w = mmToPx(size.widthMm, dpi), h = mmToPx(size.heightMm, dpi);
  // Rotation aside, a seal cannot be larger than the image that holds it.
  if (probed.width < MIN_SCAN_SCALE * w || probed.height < MIN_SCAN_SCALE * h) throw scanTooSmall(probed.width, probed.height, w, h, dpi);
}

function scanTooSmall(haveW: number, haveH: number, needW: number, needH: number, dpi: number): AppError {
  return unprocessable(
    'scan-too-small',
    `The seal in the scan is about ${haveW}×${haveH} pixels; ${needW}×${needH} at ${dpi} dpi needs at least ${Math.round(MIN_SCAN_SCALE * 100)}% of that. Scan at a higher resolution or ask for a lower dpi.`,
    { field: 'imprint', seal: { width: haveW, height: haveH }, required: { width: needW, height: needH }, minScale: MIN_SCAN_SCALE },
  );
}

interface Located {
  box: Box;
  /** The redness above which a pixel is ink. */
  threshold: number;
  /** Red ink outside the seal, as a share of the seal's own ink. */
  otherRedShare: number;
}

/** Pass 1 on the overview: the one seal's box, or the reason there is none. */
function locateSeal(overview: RgbImage, paper: PaperModel): Located {
  const { width: w, height: h } = overview;
  const redness = rednessMap(overview, paper, (x) => x, (y) => y);
  // "Strong ink": the 90th percentile of clearly red pixels; the ink threshold adapts to it, so a
  // pale stamp pad and a fresh one both separate from the paper.
  const strong = new ValueHistogram(redness).quantile(0.9, 0.2);
  const minInk = Math.max(30, Math.round(w * h * 0.0002));
  if (strong.count < minInk) throw noSeal('No red seal ink was found in the image (a blank page, or black-and-white only).');
  const threshold = Math.max(0.15, 0.4 * strong.value);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = redness[i]! > threshold ? 1 : 0;
  const { components } = labelComponents(mask, w, h);
  const blobs = components.filter((c) => c.area >= 3).sort((a, b) => b.area - a.area).slice(0, 400);
  const groups = groupComponents(blobs, 0.1);
  const main = groups[0];
  if (!main || main.area < minInk) throw noSeal('No red seal ink was found in the image (a blank page, or black-and-white only).');
  for (const other of groups.slice(1)) {
    if (other.area >= 0.25 * main.area && boxSize(other.box) >= 0.4 * boxSize(main.box)) {
      throw unprocessable('multiple-seals', 'The image holds more than one seal imprint; scan one seal at a time.', {
        field: 'imprint',
        seals: groups.filter((g) => g.area >= 0.25 * main.area).length,
      });
    }
  }
  const otherArea = groups.slice(1).reduce((s, g) => s + g.area, 0);
  // The box of the group's substantial blobs: a red speck that joined it does not stretch it.
  const box = significantBox(main.members, main.area);
  if (boxSize(box) < 8) throw noSeal('The red ink is too small to be a seal.');
  return { box, threshold, otherRedShare: otherArea / main.area };
}

function significantBox(members: Component[], total: number): Box {
  const big = members.filter((c) => c.area >= 0.005 * total);
  const use = big.length > 0 ? big : members;
  return use.reduce((b, c) => ({ x0: Math.min(b.x0, c.box.x0), y0: Math.min(b.y0, c.box.y0), x1: Math.max(b.x1, c.box.x1), y1: Math.max(b.y1, c.box.y1) }), {
    ...use[0]!.box,
  });
}

/**
 * Ink strength → alpha 0..1: 0 at the paper's noise floor, 1 at the imprint's strong ink (the 90th
 * percentile of its ink pixels), linear between, so worn and lightly inked parts stay lighter.
 */
function inkAlpha(redness: Float32Array, threshold: number): { alpha: Float32Array; hi: number; lo: number } {
  const histogram = new ValueHistogram(redness);
  const hi = Math.max(threshold + 0.05, histogram.quantile(0.9, threshold).value);
  const paperMedian = histogram.quantile(0.5, -2, threshold / 2).value;
  const paperQ75 = histogram.quantile(0.75, -2, threshold / 2).value;
  // Paper noise: median + 4σ (σ from the inter-quartile half-width), kept between 0.05 and half the threshold.
  const lo = Math.min(threshold / 2, Math.max(0.05, paperMedian + 4 * 1.4826 * (paperQ75 - paperMedian)));
  const alpha = new Float32Array(redness.length);
  const span = hi - lo;
  for (let i = 0; i < alpha.length; i++) alpha[i] = clamp01((redness[i]! - lo) / span);
  return { alpha, hi, lo };
}

interface Straightened {
  alpha8: Buffer;
  width: number;
  height: number;
  box: Box;
  fit: ShapeFit;
  rotation: Orientation;
  rotationSkipped: number | undefined;
}

/** Keeps only the seal's blobs (drops red marks in the margin), finds the box, turns the ink upright. */
async function straighten(alpha: Float32Array, width: number, height: number, shape: SealShape): Promise<Straightened> {
  const first = sealBlobs(alpha, width, height);
  let rotation = estimateOrientation(first.alpha, width, first.box, shape);
  let rotationSkipped: number | undefined;
  if (Math.abs(rotation.degrees) > MAX_ROTATION_DEGREES) {
    rotationSkipped = rotation.degrees;
    rotation = { degrees: 0, method: rotation.method };
  }
  const source = toBytes(first.alpha);
  let { alpha8, w, h } = await rotateAlpha(source, width, height, rotation.degrees);
  if (shape === 'ellipse' && rotation.method === 'principal-axis' && rotationSkipped === undefined) {
    // The characters are not mirror-symmetric and bias the first estimate; the ring alone is.
    const upright = new Float32Array(w * h);
    for (let i = 0; i < upright.length; i++) upright[i] = alpha8[i]! / 255;
    const residual = ringResidualAngle(upright, w, sealBlobs(upright, w, h).box);
    if (Math.abs(residual) >= 0.05 && Math.abs(rotation.degrees + residual) <= MAX_ROTATION_DEGREES) {
      rotation = { ...rotation, degrees: rotation.degrees + residual };
      ({ alpha8, w, h } = await rotateAlpha(source, width, height, rotation.degrees));
    }
  }
  const turned = new Float32Array(w * h);
  for (let i = 0; i < turned.length; i++) turned[i] = alpha8[i]! / 255;
  const second = sealBlobs(turned, w, h);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = second.alpha[i]! >= 0.5 ? 1 : 0;
  const fit = fitShape(mask, w, second.box, shape);
  return { alpha8: toBytes(second.alpha), width: w, height: h, box: second.box, fit, rotation, rotationSkipped };
}

/** Turns the alpha image back by `degrees` (the imprint's clockwise tilt); the canvas grows to hold it. */
async function rotateAlpha(alpha8: Buffer, width: number, height: number, degrees: number): Promise<{ alpha8: Buffer; w: number; h: number }> {
  if (Math.abs(degrees) < 0.05) return { alpha8, w: width, h: height };
  const out = await sharp(alpha8, { raw: { width, height, channels: 1 } })
    .rotate(-degrees, { background: { r: 0, g: 0, b: 0, alpha: 1 } }) // sharp turns clockwise for positive angles
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { alpha8: out.data, w: out.info.width, h: out.info.height };
}

function toBytes(alpha: Float32Array): Buffer {
  const out = Buffer.alloc(alpha.length);
  for (let i = 0; i < alpha.length; i++) out[i] = Math.round(alpha[i]! * 255);
  return out;
}

/**
 * The seal's own ink in the crop: the largest group of half-strength blobs and the box of its
 * substantial ones; strong blobs of other groups (a neighbouring mark reaching into the margin) are
 * cleared. Faint ink (alpha < 0.5) is kept as texture; outside the outline it is cleared later.
 */
function sealBlobs(alpha: Float32Array, width: number, height: number): { alpha: Float32Array; box: Box } {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = alpha[i]! >= 0.5 ? 1 : 0;
  const { labels, components } = labelComponents(mask, width, height);
  const total = components.reduce((s, c) => s + c.area, 0);
  const blobs = components.filter((c) => c.area >= Math.max(3, 0.0005 * total)).sort((a, b) => b.area - a.area).slice(0, 400);
  const groups = groupComponents(blobs, 0.1);
  const main = groups[0];
  if (!main) throw noSeal('No red seal ink was found in the image.');
  const keep = new Uint8Array(components.length + 1);
  for (const c of main.members) keep[c.label] = 1;
  if (main.members.length === components.length) return { alpha, box: significantBox(main.members, main.area) };
  const out = alpha.slice();
  for (let i = 0; i < out.length; i++) {
    const l = labels[i]!;
    if (l !== 0 && !keep[l]) out[i] = 0;
  }
  return { alpha: out, box: significantBox(main.members, main.area) };
}
