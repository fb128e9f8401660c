/**
 * Seal images (印章图像) rendered from the physical seal templates in seal-templates/:
 * template → layout → glyph outlines (Noto Serif SC via npm) → SVG → PNG (sharp), and the
 * canonical image hash that the CA binds into the seal certificate and the verifier recomputes.
 */
export { listTemplates, getTemplate, loadTemplateFile, parseTemplate, templateSizeMm, type SealTemplate } from './template.js';
export {
  renderSeal,
  renderSealSvg,
  preloadRenderer,
  sealLayout,
  checkDpi,
  DEFAULT_DPI,
  MIN_DPI,
  MAX_DPI,
  type RenderSealInput,
  type RenderedSeal,
} from './render.js';
export { canonicalPixels, canonicalImageHash, imageHashOfPng, type CanonicalImage } from './canonical.js';
export { mmToPx } from './svg.js';
export type { SealLayout, PlacedGlyph } from './layout.js';
export { SEAL_FONT_NAME } from './font.js';
