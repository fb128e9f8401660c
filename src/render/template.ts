import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError, unprocessable } from '../errors.js';
import { fromRoot } from '../paths.js';

/**
 * Seal templates (印章式样): one JSON file per physical seal type in `seal-templates/`.
 * Every number in a file is `{ "value": n, "source": "…" }` so a reviewer can see, next to the
 * number, whether the State Council's 1999 seal rules fix it or whether we chose it.
 *
 * Geometry is in millimetres with the origin at the seal's centre and y pointing DOWN (as in SVG).
 * Angles are in degrees measured from 12 o'clock, clockwise positive (so -120 is lower left,
 * 0 the top, +120 lower right): the unit name reads clockwise from `startDeg` to `endDeg`.
 */

const sourced = z.object({ value: z.number().finite(), source: z.string().min(1) }).strict();
const positive = z
  .object({ value: z.number().finite().positive(), source: z.string().min(1) })
  .strict();
const fraction = z
  .object({ value: z.number().finite().gt(0).lte(1), source: z.string().min(1) })
  .strict();
const count = z
  .object({ value: z.number().int().positive(), source: z.string().min(1) })
  .strict();

const shapeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('circle'), diameterMm: positive }).strict(),
  z.object({ kind: z.literal('ellipse'), widthMm: positive, heightMm: positive }).strict(),
  z.object({ kind: z.literal('square'), sideMm: positive }).strict(),
]);

/** The unit name along the upper arc (环行). */
const arcTextSchema = z
  .object({
    /** Nominal height of a character cell (the font's ideographic em box). */
    fontSizeMm: positive,
    /** Long names shrink down to this size before they are refused. */
    minFontSizeMm: positive,
    /** Radius of the bottom edge of the character cells (their feet point at the centre). */
    baselineRadiusMm: positive,
    /** Ellipses only: the horizontal semi-axis of the baseline (baselineRadiusMm is the vertical one). */
    baselineRadiusXMm: positive.optional(),
    startDeg: sourced,
    endDeg: sourced,
    /** Largest angle between neighbouring characters, so a short name does not spread thinly. */
    maxStepDeg: positive,
    /** Narrowest horizontal condensing of a character (1 = natural width). */
    minCondense: fraction,
    /** Clear space between neighbouring characters at their feet. */
    gapMm: sourced,
    /**
     * The narrowest an ideograph may be drawn on the arc (its em box after condensing): a name that would need
     * narrower characters is refused with the most characters that fit, never squeezed into slivers.
     */
    minGlyphWidthMm: positive,
    maxCharacters: count,
  })
  .strict();

/** Horizontal text (横行), e.g. 公文专用章 below the star. */
const horizontalTextSchema = z
  .object({
    fontSizeMm: positive,
    minFontSizeMm: positive,
    /** Offset of the text line's centre below the seal's centre (negative = above). */
    centerYMm: sourced,
    maxWidthMm: positive,
    minCondense: fraction,
    gapMm: sourced,
    maxCharacters: count,
    /** Used when the caller gives no bottom text; absent means "no horizontal text by default". */
    defaultText: z.string().min(1).optional(),
    defaultTextSource: z.string().min(1).optional(),
  })
  .strict();

/** Square name seals: characters fill a grid read in columns, right to left, top to bottom. */
const gridTextSchema = z
  .object({
    /** Clear space between the border's inner edge and the grid. */
    paddingMm: sourced,
    /** Clear space between grid cells. */
    gapMm: sourced,
    /** The narrowest a character's cell may be; more characters than leave it are refused. */
    minGlyphWidthMm: positive,
    maxCharacters: count,
  })
  .strict();

const starSchema = z
  .object({
    /** Radius of the circle through the five tips (星尖直径 / 2). */
    outerRadiusMm: positive,
    /** Offset of the star's centre below the seal's centre (0 = centred). */
    centerYMm: sourced,
  })
  .strict();

export const sealTemplateSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    description: z.string().min(1),
    shape: shapeSchema,
    border: z.object({ widthMm: positive }).strict(),
    color: z
      .object({ value: z.string().regex(/^#[0-9a-fA-F]{6}$/), source: z.string().min(1) })
      .strict(),
    font: z.object({ typeface: z.string().min(1), source: z.string().min(1) }).strict(),
    star: starSchema.optional(),
    arcText: arcTextSchema.optional(),
    horizontalText: horizontalTextSchema.optional(),
    gridText: gridTextSchema.optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.arcText && !t.gridText) {
      ctx.addIssue({ code: 'custom', path: ['arcText'], message: 'a template needs arcText or gridText' });
    }
    if (t.arcText && t.gridText) {
      ctx.addIssue({ code: 'custom', path: ['gridText'], message: 'arcText and gridText exclude each other' });
    }
    if (t.gridText && t.shape.kind !== 'square') {
      ctx.addIssue({ code: 'custom', path: ['gridText'], message: 'gridText needs a square shape' });
    }
    if (t.arcText && t.shape.kind === 'square') {
      ctx.addIssue({ code: 'custom', path: ['arcText'], message: 'arcText needs a circle or ellipse' });
    }
    if (t.arcText && t.arcText.endDeg.value <= t.arcText.startDeg.value) {
      ctx.addIssue({ code: 'custom', path: ['arcText', 'endDeg'], message: 'endDeg must exceed startDeg' });
    }
    if (t.arcText && t.arcText.minFontSizeMm.value > t.arcText.fontSizeMm.value) {
      ctx.addIssue({ code: 'custom', path: ['arcText', 'minFontSizeMm'], message: 'must not exceed fontSizeMm' });
    }
    if (t.horizontalText && t.horizontalText.minFontSizeMm.value > t.horizontalText.fontSizeMm.value) {
      ctx.addIssue({
        code: 'custom',
        path: ['horizontalText', 'minFontSizeMm'],
        message: 'must not exceed fontSizeMm',
      });
    }
    if (t.arcText?.baselineRadiusXMm && t.shape.kind !== 'ellipse') {
      ctx.addIssue({ code: 'custom', path: ['arcText', 'baselineRadiusXMm'], message: 'only for ellipses' });
    }
  });

export type SealTemplate = z.infer<typeof sealTemplateSchema>;

/** Width and height of a template's outline in millimetres. */
export function templateSizeMm(t: SealTemplate): { widthMm: number; heightMm: number } {
  switch (t.shape.kind) {
    case 'circle':
      return { widthMm: t.shape.diameterMm.value, heightMm: t.shape.diameterMm.value };
    case 'ellipse':
      return { widthMm: t.shape.widthMm.value, heightMm: t.shape.heightMm.value };
    case 'square':
      return { widthMm: t.shape.sideMm.value, heightMm: t.shape.sideMm.value };
  }
}

/**
 * Validates one template file's parsed JSON. A bad file is a server fault (status 500, type
 * `invalid-template`) whose message names the file and the first bad field.
 */
export function parseTemplate(json: unknown, file: string): SealTemplate {
  const result = sealTemplateSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
    const message = issue ? issue.message : 'invalid';
    throw new AppError(500, 'invalid-template', `${file}: field ${field}: ${message}`, { file, field });
  }
  const expected = file.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
  if (result.data.name !== expected) {
    throw new AppError(500, 'invalid-template', `${file}: field name: must be "${expected}" (the file name)`, {
      file,
      field: 'name',
    });
  }
  return result.data;
}

/** Reads and validates one template file (path relative to the package root or absolute). */
export function loadTemplateFile(path: string): SealTemplate {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AppError(500, 'invalid-template', `${path}: not readable JSON: ${(err as Error).message}`, {
      file: path,
      field: '(root)',
    });
  }
  return parseTemplate(json, path);
}

let cache: Map<string, SealTemplate> | undefined;

/** All templates, read and validated once per process (they ship with the package). */
function templates(): Map<string, SealTemplate> {
  if (!cache) {
    const dir = fromRoot('seal-templates');
    const loaded = new Map<string, SealTemplate>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const t = loadTemplateFile(`${dir}/${file}`);
      loaded.set(t.name, t);
    }
    cache = loaded;
  }
  return cache;
}

/** Template names, sorted. */
export function listTemplates(): string[] {
  return [...templates().keys()];
}

export function getTemplate(name: string): SealTemplate {
  const t = templates().get(name);
  if (!t) {
    throw unprocessable('unknown-template', `Unknown seal template "${name.slice(0, 64)}"; known: ${listTemplates().join(', ')}.`, {
      field: 'template',
      known: listTemplates(),
    });
  }
  return t;
}
