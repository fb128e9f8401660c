import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { buildContext } from '../../main.js';
import { closeDocumentWorkers } from '../../isolation/document-workers.js';
import { readExtendable } from '../../pdf/extend.js';
import { extendDocument } from '../../seals/extension.js';

const USAGE = `usage: seal extend FILE.pdf [-o OUT.pdf] [--timeout SECONDS]

  Adds the validation data the document's signatures lack (revocation data from our CA for the
  certificates it issued) and a fresh archive time-stamp (PAdES B-LTA), as POST /v1/extend does.
  Writes OUT.pdf (default: FILE.pdf with .extended.pdf). Opens the service's storage directly: with
  embedded storage run it while the service is stopped; with PostgreSQL any time. The document is read
  in a worker with the service's limits; --timeout S gives up after S seconds (default 120).
exit status: 0 extended, 1 an error or a document past the limits or the timeout, 2 a usage error or a
document that cannot be extended
`;

/** `seal extend FILE.pdf [-o OUT.pdf]`: long-term extension from the command line, recorded in the register. */
export async function extendCommand(args: string[]): Promise<number> {
  let values: { output?: string; help?: boolean; timeout?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args, options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' }, timeout: { type: 'string' } }, strict: true, allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`seal extend: ${(err as Error).message.split('\n')[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const input = positionals[0];
  if (!input || positionals.length > 1) {
    process.stderr.write(`seal extend: exactly one input PDF is required\n${USAGE}`);
    return 2;
  }
  const output = values.output ?? input.replace(/(\.pdf)?$/i, '.extended.pdf');
  const timeoutSeconds = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    process.stderr.write(`seal extend: --timeout must be a number of seconds\n${USAGE}`);
    return 2;
  }
  let pdf: Buffer;
  try {
    pdf = await readFile(input);
  } catch {
    process.stderr.write(`seal extend: cannot read ${input}\n`);
    return 1;
  }
  try {
    readExtendable(pdf); // before opening the storage: a document that cannot be extended needs no CA
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`seal extend: ${err.type}: ${err.message}\n`);
      return err.type === 'document-too-complex' ? 1 : 2;
    }
    throw err;
  }
  // The service's document pool, with this command's deadline.
  const config = loadConfig({ ...process.env, SEAL_DOCUMENT_DEADLINE_SECONDS: String(timeoutSeconds) });
  // Log lines (the development-KEK warning, say) go to stderr: stdout stays free for scripts.
  const ctx = await buildContext(config, pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }, pino.destination(2)));
  try {
    // Whoever may run this may open the service's storage: recorded as the command line, not as a user.
    const actor = { principal: { userId: 'command-line', name: 'seal extend', role: 'municipal-admin' as const, unitId: null }, client: 'seal extend' };
    const result = await extendDocument(ctx, actor, pdf);
    await writeFile(output, result.pdf);
    process.stderr.write(`seal extend: wrote ${output} (DSS gained ${result.added.certs} certificate(s), ${result.added.ocsps} OCSP response(s), ${result.added.crls} CRL(s); archive time-stamp added)\n`);
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`seal extend: ${err.type}: ${err.message}\n`);
      return err.status < 500 && err.type !== 'document-too-complex' ? 2 : 1;
    }
    throw err;
  } finally {
    await closeDocumentWorkers();
    await ctx.state.close();
    await ctx.db.close();
  }
}
