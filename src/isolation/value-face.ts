import { sealFont, type SealFont } from '../render/font.js';

/**
 * The seal face (Noto Serif SC), for form values outside Latin-1 that a sealing draws (src/pdf/field-appearances.ts):
 * the 15 MB font is read when a form first needs it (sealFont caches it), never at start. Given to the job runner by
 * the service's workers and `seal sign`; the offline verifier bundle, which never seals, holds none of it.
 */
export const valueFace = async (): Promise<SealFont> => sealFont();
