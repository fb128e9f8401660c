import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { AuditVerifyReport } from '../../seals/audit-verify.js';
import { certificatesFrom } from './verify.js';

const USAGE = `usage: seal audit verify [--trust ROOT.pem]
       seal audit verify --export FILE.ndjson --trust ROOT.pem

  (no --export)  checks the register in the database (DATABASE_URL, or the embedded one in
                 SEAL_DATA_DIR while the service is stopped): the hash chain and the signed,
                 time-stamped checkpoints; --trust defaults to the root certificate in the database
  --export FILE  checks an exported register (GET /v1/audit/export) offline, with no database:
                 the chain, the checkpoints and the signed trailer
  --trust FILE   the municipal root certificate (PEM or DER) the audit signer and the TSA chain to
exit status: 0 the register holds, 1 it does not, 2 usage error
`;

/**
 * `seal audit verify`: checks the seal usage register (用印登记). Online against the database, or
 * offline on an export: edited rows, a rewritten and re-hashed chain, a cut tail, a removed
 * checkpoint and a truncated log are all reported. Prints the report as JSON.
 */
export async function auditCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let values: { export?: string; trust?: string };
  try {
    const parsed = parseArgs({ args, allowPositionals: true, options: { export: { type: 'string' }, trust: { type: 'string' } } });
    if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'verify') throw new Error('expected: verify');
    values = parsed.values;
    if (values.export && !values.trust) throw new Error('--export needs --trust ROOT.pem');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let anchors: Buffer[] | undefined;
  if (values.trust) {
    try {
      anchors = certificatesFrom(await readFile(values.trust));
    } catch (e) {
      process.stderr.write(`seal audit verify: cannot read the trust anchor ${values.trust}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  let report: AuditVerifyReport;
  if (values.export) {
    // Offline: nothing of the database, the CA or the HTTP layer is loaded.
    const { verifyAuditExport } = await import('../../seals/audit-verify.js');
    let text: string;
    try {
      text = await readFile(values.export, 'utf8');
    } catch (e) {
      process.stderr.write(`seal audit verify: cannot read ${values.export}: ${(e as Error).message}\n`);
      return 2;
    }
    report = await verifyAuditExport(text, anchors!);
  } else {
    const [{ loadConfig }, { openStore }, { verifyAuditChain }] = await Promise.all([
      import('../../config.js'),
      import('../../store/open.js'),
      import('../../seals/audit.js'),
    ]);
    const db = await openStore(loadConfig());
    try {
      if (!anchors) {
        const root = await db.query<{ certificate: Uint8Array }>(`SELECT certificate FROM ca_authorities WHERE ca_id = 'root'`);
        anchors = root.rows.map((r) => Buffer.from(r.certificate));
      }
      report = await verifyAuditChain(db, anchors);
    } finally {
      await db.close();
    }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  return report.valid ? 0 : 1;
}
