/**
 * Seal image from the scanned imprint (印模 / 印章印迹) of the unit's physical seal: the public shapes.
 */
import type { RenderedSeal } from '../render/index.js';

export interface ImprintOptions {
  /** Diameter of a round seal in millimetres (sets width and height). */
  diameterMm?: number | undefined;
  /** Width and height in millimetres, for oval or square seals (both, or neither). */
  widthMm?: number | undefined;
  heightMm?: number | undefined;
  /** A template name (seal-templates/): its size when no size is given, and its ink colour. */
  template?: string | undefined;
  /** Output resolution; default 600 (42 mm → 992 px). */
  dpi?: number | undefined;
}

/** The quality report that goes with every extraction, shown to the municipal office before approval. */
export interface ImprintReport {
  /** Share of the output image's area covered by ink: the mean of alpha / 255 over all pixels, 0..1. */
  inkCoverage: number;
  /**
   * The seal's size as measured in the scan, in millimetres, when the scan records its resolution
   * (scanners do; phone photos usually do not). Without a usable resolution the requested width is
   * taken as measured and the height follows the imprint's aspect ratio (a warning says so).
   */
  detectedSizeMm: { width: number; height: number };
  /**
   * How far the imprint was turned in the scan, in degrees, clockwise positive as seen on the page;
   * the extraction turned it back by this much. 0 when nothing was corrected.
   */
  rotationDegrees: number;
  /** 0..1: how seal-like the ink is (a closed outline of the expected shape, contrast, nothing else red nearby). */
  confidence: number;
  /** Human-readable notes about anything that lowered the confidence. */
  warnings: string[];
}

/**
 * The same seal image a template gives (RGBA PNG at `dpi`, canonical pixels and their hash): the seal
 * red with per-pixel alpha from the ink's strength, transparent elsewhere; plus the quality report.
 */
export interface ExtractedSeal extends RenderedSeal {
  report: ImprintReport;
}

/** An axis-aligned box in pixels; right and bottom exclusive. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type SealShape = 'ellipse' | 'rectangle';
