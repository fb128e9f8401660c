import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype from 'opentype.js';
import { unprocessable } from '../errors.js';

/**
 * The one typeface of every seal: Noto Serif SC (思源宋体), a Song-style (宋体) face as the 1999
 * seal rules require, shipped through npm so the same text gives the same outlines on every
 * machine; no system font is ever consulted. We use the Bold (700) weight: an engraved seal's
 * strokes are heavier than book text, and at 300-600 dpi the Regular weight's hairlines look
 * faint and broken once characters are condensed.
 */
export const SEAL_FONT_FILE = '@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf';
export const SEAL_FONT_NAME = 'Noto Serif SC Bold (700)';

/** One move/line/curve of a glyph outline in font units, y DOWN, baseline at y = 0. */
export type OutlineCommand =
  | { type: 'M' | 'L'; x: number; y: number }
  | { type: 'Q'; x1: number; y1: number; x: number; y: number }
  | { type: 'C'; x1: number; y1: number; x2: number; y2: number; x: number; y: number }
  | { type: 'Z' };

export interface SealGlyph {
  character: string;
  index: number;
  advance: number;
  /** Ink bounding box in font units, y DOWN. */
  box: { x1: number; y1: number; x2: number; y2: number };
  commands: readonly OutlineCommand[];
}

export interface SealFont {
  unitsPerEm: number;
  /** Ideographic em box: top above the baseline and bottom below it, in font units (positive). */
  emTop: number;
  emBottom: number;
  /** The glyph for one character, or an AppError `glyph-missing` naming it and `field`. */
  glyph(character: string, field: string): SealGlyph;
}

let loaded: SealFont | undefined;
let release: NodeJS.Timeout | undefined;

/**
 * How long the parsed font is kept after its last use. Parsed, it holds some 100 MB of the thread's heap (opentype.js
 * makes lazy accessors for each of its ~30,000 glyphs), and a service renders seal images rarely (applications,
 * previews): kept for good, every full garbage collection of the HTTP thread marked it, several times a sealing of a
 * large document once V8 had shrunk the heap after a quiet minute (3x the CPU of a sealing). A burst of renderings
 * shares one parse; the first rendering after a quiet spell parses again.
 */
export const SEAL_FONT_KEEP_MS = 60_000;

/** Parses the TTF (about 0.3 s for the 15 MB file) and keeps it until SEAL_FONT_KEEP_MS after its last use. */
export function sealFont(): SealFont {
  if (!loaded) loaded = parseSealFont();
  clearTimeout(release);
  release = setTimeout(() => { loaded = undefined; }, SEAL_FONT_KEEP_MS).unref();
  return loaded;
}

export function codePointLabel(character: string): string {
  const cp = character.codePointAt(0) ?? 0;
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

function parseSealFont(): SealFont {
  const require = createRequire(import.meta.url);
  const bytes = readFileSync(require.resolve(SEAL_FONT_FILE));
  const font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const os2 = font.tables.os2 as { sTypoAscender: number; sTypoDescender: number } | undefined;
  // Noto CJK puts the ideographic em box at sTypoAscender/-sTypoDescender (880/-120 of 1000).
  const emTop = os2?.sTypoAscender ?? font.ascender;
  const emBottom = -(os2?.sTypoDescender ?? font.descender);
  const glyphs = new Map<string, SealGlyph>();
  return {
    unitsPerEm: font.unitsPerEm,
    emTop,
    emBottom,
    glyph(character: string, field: string): SealGlyph {
      const known = glyphs.get(character);
      if (known) return known;
      // Glyph index 0 is .notdef: drawing it would put a blank box on the seal. Control, format,
      // private-use and unassigned code points are refused the same way even if the cmap maps them.
      const index = /^[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}]$/u.test(character) ? 0 : font.charToGlyphIndex(character);
      if (!index) {
        throw unprocessable(
          'glyph-missing',
          `The seal font has no glyph for ${JSON.stringify(character)} (${codePointLabel(character)}) in ${field}.`,
          { field, character, codePoint: codePointLabel(character) },
        );
      }
      const g = font.glyphs.get(index);
      const path = g.getPath(0, 0, font.unitsPerEm);
      const commands = path.commands.map((c): OutlineCommand => {
        switch (c.type) {
          case 'M':
          case 'L':
            return { type: c.type, x: c.x, y: c.y };
          case 'Q':
            return { type: 'Q', x1: c.x1, y1: c.y1, x: c.x, y: c.y };
          case 'C':
            return { type: 'C', x1: c.x1, y1: c.y1, x2: c.x2, y2: c.y2, x: c.x, y: c.y };
          default:
            return { type: 'Z' };
        }
      });
      const bb = g.getBoundingBox();
      const sg: SealGlyph = {
        character,
        index,
        advance: g.advanceWidth ?? font.unitsPerEm,
        // getBoundingBox is y UP; flip it to match the outline commands.
        box: { x1: bb.x1, y1: -bb.y2, x2: bb.x2, y2: -bb.y1 },
        commands,
      };
      glyphs.set(character, sg);
      return sg;
    },
  };
}
