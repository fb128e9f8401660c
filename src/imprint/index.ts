/**
 * Seal image from the scanned imprint of the unit's physical seal (Art. 15, 17(1)): a scan or phone
 * photo of the stamp on paper → the same kind of seal image the templates give (src/render/), with
 * a quality report for the municipal office to look at before approving.
 */
export { extractSealFromImprint, MIN_SCAN_SCALE, MAX_ROTATION_DEGREES, MAX_OUTPUT_PIXELS } from './extract.js';
export { MAX_IMPRINT_BYTES, MAX_IMPRINT_PIXELS, DECODE_TIMEOUT_SECONDS } from './decode.js';
export type { ImprintOptions, ImprintReport, ExtractedSeal } from './types.js';
