import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AppError } from '../../errors.js';
import { DEFAULT_DPI, listTemplates, renderSeal } from '../../render/index.js';

const USAGE =
  'usage: seal render --template NAME --text "UNIT NAME" [--bottom-text TEXT] [--dpi N] -o seal.png';

/**
 * `seal render`: a seal image from a template, no database needed. Exit 0 on success, 2 on a usage
 * error or input the template cannot take (one line on stderr), 1 if the file cannot be written.
 */
export async function renderCommand(args: string[]): Promise<number> {
  let values: { template?: string; text?: string; 'bottom-text'?: string; dpi?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        template: { type: 'string', short: 't' },
        text: { type: 'string' },
        'bottom-text': { type: 'string' },
        dpi: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`seal render: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\ntemplates: ${listTemplates().join(', ')}\n`);
    return 0;
  }
  const missing = (['template', 'text', 'output'] as const).filter((k) => values[k] === undefined);
  if (missing.length > 0) {
    process.stderr.write(`seal render: missing ${missing.map((m) => (m === 'output' ? '-o' : `--${m}`)).join(', ')}; ${USAGE}\n`);
    return 2;
  }
  let dpi = DEFAULT_DPI;
  if (values.dpi !== undefined) {
    if (!/^\d+$/.test(values.dpi)) {
      process.stderr.write(`seal render: --dpi must be a whole number, got "${values.dpi}"\n`);
      return 2;
    }
    dpi = Number(values.dpi);
  }
  let png: Buffer;
  try {
    const seal = await renderSeal({ template: values.template!, text: values.text!, bottomText: values['bottom-text'], dpi });
    png = seal.png;
  } catch (err) {
    // 4xx: the input was wrong, a usage error; a broken template file (500) is not the user's.
    if (err instanceof AppError && err.status < 500) {
      process.stderr.write(`seal render: ${err.type}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    await writeFile(values.output!, png);
  } catch (err) {
    process.stderr.write(`seal render: cannot write ${values.output}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
    return 1;
  }
  return 0;
}
