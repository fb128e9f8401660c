import sharp from 'sharp';
import { unprocessable } from '../errors.js';
import { canonicalImageHash } from './canonical.js';
import { layoutSeal, type SealLayout } from './layout.js';
import { sealSvg } from './svg.js';
import { sealFont } from './font.js';
import { getTemplate, listTemplates, type SealTemplate } from './template.js';

export const DEFAULT_DPI = 600;
export const MIN_DPI = 72;
export const MAX_DPI = 2400;

export interface RenderSealInput {
  /** Template name (a file in seal-templates/) or an already loaded template. */
  template: string | SealTemplate;
  /** The unit's name (along the arc) or, for the square seal, the person's name. */
  text: string;
  /** Horizontal text, e.g. 公文专用章; absent = the template's default; "" = none. */
  bottomText?: string | undefined;
  dpi?: number | undefined;
}

// 电子印章图像 seal image
export interface RenderedSeal {
  png: Buffer;
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
  dpi: number;
  /** canonicalImageHash of the pixels (see canonical.ts), 32 bytes. */
  imageHash: Buffer;
}

export function checkDpi(dpi: number): number {
  if (typeof dpi !== 'number' || !Number.isInteger(dpi) || dpi < MIN_DPI || dpi > MAX_DPI) {
    throw unprocessable('dpi-out-of-range', `dpi must be a whole number from ${MIN_DPI} to ${MAX_DPI}.`, {
      field: 'dpi',
      min: MIN_DPI,
      max: MAX_DPI,
    });
  }
  return dpi;
}

/** Template + texts → layout, checking every input before any pixel work. */
export function sealLayout(input: Omit<RenderSealInput, 'dpi'>): SealLayout {
  const template = typeof input.template === 'string' ? getTemplate(input.template) : input.template;
  return layoutSeal(template, { text: input.text, bottomText: input.bottomText });
}

/** The seal as SVG (pixel units at `dpi`), e.g. for a vector appearance or a preview. */
export function renderSealSvg(input: RenderSealInput): { svg: string; width: number; height: number } {
  const dpi = checkDpi(input.dpi ?? DEFAULT_DPI);
  const { svg, widthPx, heightPx } = sealSvg(sealLayout(input), dpi);
  return { svg, width: widthPx, height: heightPx };
}

/**
 * Renders a seal image: PNG, RGBA, transparent outside the ink, exactly round(mm / 25.4 × dpi)
 * pixels each way, with the dpi recorded in the PNG (pHYs). Same input, same bytes.
 */
export async function renderSeal(input: RenderSealInput): Promise<RenderedSeal> {
  const dpi = checkDpi(input.dpi ?? DEFAULT_DPI);
  const layout = sealLayout(input);
  const { svg, widthPx, heightPx } = sealSvg(layout, dpi);
  // The SVG is in pixels, so librsvg renders it 1:1 at its nominal 72 dpi density.
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== widthPx || info.height !== heightPx || info.channels !== 4) {
    throw new Error(`rasterised ${info.width}x${info.height}x${info.channels}, expected ${widthPx}x${heightPx}x4`);
  }
  // Canonical form: invisible pixels become 0,0,0,0 here already, so PNG and hash agree byte for byte.
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] === 0) {
      data[i - 3] = 0;
      data[i - 2] = 0;
      data[i - 1] = 0;
    }
  }
  const imageHash = canonicalImageHash({ width: widthPx, height: heightPx, rgba: data });
  const png = await sharp(data, { raw: { width: widthPx, height: heightPx, channels: 4 } })
    .withDensity(dpi)
    // Level 6 without adaptive filtering: 10x faster than level 9 with it, and smaller for seal images.
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
  return { png, width: widthPx, height: heightPx, widthMm: layout.widthMm, heightMm: layout.heightMm, dpi, imageHash };
}

/**
 * Loads the templates and parses the font (about 0.3-0.5 s) ahead of the first request; a
 * broken template file fails here, at start-up, instead of on a user's request.
 */
export function preloadRenderer(): void {
  listTemplates();
  sealFont();
}
