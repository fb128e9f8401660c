import { loadConfig } from '../../config.js';
import { verifyAuditChain } from '../../seals/audit.js';
import { openStore } from '../../store/open.js';

/**
 * `seal audit verify`: checks the hash chain of the seal usage register. Exit 0 when it holds, 1 when
 * an entry was edited, inserted or deleted. Opens the storage directly (with embedded storage, while
 * the service is stopped; with PostgreSQL any time); `GET /v1/audit/verify` is the same check online.
 */
export async function auditCommand(args: string[]): Promise<number> {
  if (args[0] !== 'verify' || args.length !== 1) {
    process.stderr.write('usage: seal audit verify\n');
    return 2;
  }
  const db = await openStore(loadConfig());
  try {
    const report = await verifyAuditChain(db);
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return report.valid ? 0 : 1;
  } finally {
    await db.close();
  }
}
