import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ensureCa } from '../../ca/authority.js';
import { systemClock } from '../../clock.js';
import { loadConfig } from '../../config.js';
import { DbKeyVault } from '../../crypto/db-key-vault.js';
import { resolveKek } from '../../dev-kek.js';
import { openStore } from '../../store/open.js';

const USAGE = `usage: seal ca init [--dir DATA_DIR]
       seal ca department --name UNIT_NAME --code CREDIT_CODE [--dir DATA_DIR]

  Key ceremony: creates the root CA (P-384), the seal-issuing CA, the OCSP responder and the TSA
  certificates in the database (embedded PGlite in DATA_DIR, or DATABASE_URL), keys wrapped under
  SEAL_KEK; and beside them the SM2 hierarchy (SM3withSM2: root, seal-issuing CA, OCSP responder,
  TSA, and the municipal office's seal-maker certificate that signs GB/T 38540 SESeals).
  Idempotent: an existing CA is kept and shown (a missing SM2 hierarchy is added). Writes
  DATA_DIR/ca/root.pem, chain.pem, sm2-root.pem and sm2-chain.pem.
  With embedded storage run it before the service starts (PGlite allows one process).

  department: at a root ceremony, makes a unit's department sub-CA (Art. 17(4)) with the root key,
  name-constrained to that unit; prints its CA id.
`;

/** `seal ca …` */
export async function caCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [sub, ...rest] = args;
  if (sub !== 'init' && sub !== 'department') {
    process.stderr.write(USAGE);
    return 2;
  }
  let values: { dir?: string | undefined; name?: string | undefined; code?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { dir: { type: 'string' }, name: { type: 'string' }, code: { type: 'string' } },
      strict: true,
    }));
    if (sub === 'init' && (values.name || values.code)) throw new Error('--name and --code belong to `seal ca department`');
  } catch (e) {
    process.stderr.write(`seal ca ${sub}: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (sub === 'department' && (!values.name || !values.code)) {
    process.stderr.write(`seal ca department: --name and --code are required\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(values.dir ? { ...process.env, SEAL_DATA_DIR: values.dir } : process.env);
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const kek = resolveKek(config, logger);
  const db = await openStore(config);
  try {
    const vault = new DbKeyVault(db, kek);
    const ca = await ensureCa({ db, vault, config, clock: systemClock });
    if (sub === 'department') {
      const dept = await ca.ensureDepartmentCa({ unitName: values.name!, unitCode: values.code! });
      process.stdout.write(`department CA ${dept.caId} for ${values.name} (${values.code})\n`);
      return 0;
    }
    const outDir = join(resolve(config.dataDir), 'ca');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'root.pem'), ca.rootPem());
    writeFileSync(join(outDir, 'chain.pem'), await ca.chainPem());
    writeFileSync(join(outDir, 'sm2-root.pem'), ca.rootPem('SM2'));
    writeFileSync(join(outDir, 'sm2-chain.pem'), await ca.chainPem(ca.issuingCaIdOf('SM2')));
    const root = new X509Certificate(ca.rootCertificate);
    const sm2Root = new X509Certificate(ca.rootCertificateOf('SM2'));
    process.stdout.write(
      [
        `root CA:      ${root.subject.replace(/\n/g, ', ')}`,
        `  valid:      ${root.validFrom} .. ${root.validTo}`,
        `  SHA-256:    ${root.fingerprint256}`,
        `issuing CA:   ${new X509Certificate(ca.issuingCertificate).subject.replace(/\n/g, ', ')}`,
        `SM2 root CA:  ${sm2Root.subject.replace(/\n/g, ', ')}`,
        `  SHA-256:    ${sm2Root.fingerprint256}`,
        `OCSP:         ${config.publicUrl.replace(/\/+$/, '')}/ocsp`,
        `TSA:          ${config.publicUrl.replace(/\/+$/, '')}/tsa`,
        `written:      ${['root.pem', 'chain.pem', 'sm2-root.pem', 'sm2-chain.pem'].map((f) => join(outDir, f)).join(', ')}`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await db.close();
  }
}
