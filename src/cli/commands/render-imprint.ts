import { readFile, stat, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AppError } from '../../errors.js';
import { extractSealFromImprint, MAX_IMPRINT_BYTES, type ImprintOptions } from '../../imprint/index.js';

const USAGE =
  'usage: seal render --imprint SCAN (--diameter MM | --width MM --height MM | --template NAME) [--dpi N] -o seal.png [--report report.json]';

type Values = {
  imprint?: string;
  diameter?: string;
  width?: string;
  height?: string;
  template?: string;
  dpi?: string;
  output?: string;
  report?: string;
  help?: boolean;
};

/**
 * `seal render --imprint scan.jpg --diameter 42 -o seal.png`: the seal image from a scan or photo of
 * the physical seal's imprint (no database needed). Prints a one-line summary and the report's
 * warnings; `--report` also writes the full quality report as JSON. Exit 0 on success, 2 on a usage
 * error or a scan that cannot be used (one line on stderr naming the problem), 1 if a file cannot be
 * read or written.
 */
export async function renderImprintCommand(args: string[]): Promise<number> {
  let values: Values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        imprint: { type: 'string' },
        diameter: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        template: { type: 'string', short: 't' },
        dpi: { type: 'string' },
        output: { type: 'string', short: 'o' },
        report: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.imprint === undefined) return usageError('missing --imprint');
  if (values.output === undefined) return usageError('missing -o');

  const opts: ImprintOptions = { template: values.template };
  for (const [flag, key] of [
    ['diameter', 'diameterMm'],
    ['width', 'widthMm'],
    ['height', 'heightMm'],
  ] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const mm = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(mm)) return usageError(`--${flag} must be a number of millimetres, got "${raw}"`);
    opts[key] = mm;
  }
  if (values.dpi !== undefined) {
    if (!/^\d+$/.test(values.dpi)) return usageError(`--dpi must be a whole number, got "${values.dpi}"`);
    opts.dpi = Number(values.dpi);
  }

  let input: Buffer;
  try {
    // Refuse an oversized file before reading it into memory.
    const { size } = await stat(values.imprint);
    if (size > MAX_IMPRINT_BYTES) return scanError('image-too-large', `the file is ${size} bytes; at most ${MAX_IMPRINT_BYTES} are accepted`);
    input = await readFile(values.imprint);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`seal render: cannot read ${values.imprint}: ${code ?? 'error'}\n`);
    return 1;
  }

  let seal: Awaited<ReturnType<typeof extractSealFromImprint>>;
  try {
    seal = await extractSealFromImprint(input, opts);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return scanError(err.type, err.message);
    throw err;
  }

  try {
    await writeFile(values.output, seal.png);
    if (values.report !== undefined) {
      const report = {
        width: seal.width,
        height: seal.height,
        widthMm: seal.widthMm,
        heightMm: seal.heightMm,
        dpi: seal.dpi,
        imageHash: seal.imageHash.toString('hex'),
        ...seal.report,
      };
      await writeFile(values.report, JSON.stringify(report, null, 2) + '\n');
    }
  } catch (err) {
    process.stderr.write(`seal render: cannot write: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
    return 1;
  }
  const r = seal.report;
  process.stdout.write(
    `${values.output}: ${seal.width}×${seal.height} px (${seal.widthMm}×${seal.heightMm} mm at ${seal.dpi} dpi), ` +
      `measured ${r.detectedSizeMm.width}×${r.detectedSizeMm.height} mm, turned ${r.rotationDegrees}°, ` +
      `ink ${Math.round(r.inkCoverage * 100)}%, confidence ${r.confidence}\n`,
  );
  for (const w of r.warnings) process.stderr.write(`seal render: warning: ${w}\n`);
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`seal render: ${message}; ${USAGE}\n`);
  return 2;
}

function scanError(type: string, message: string): number {
  process.stderr.write(`seal render: ${type}: ${message}\n`);
  return 2;
}
