import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCa, type CaHandle } from '../../src/ca/authority.js';
import { toPem } from '../../src/asn1/pem.js';
import type { Clock } from '../../src/clock.js';
import { DbKeyVault } from '../../src/crypto/db-key-vault.js';
import type { Db } from '../../src/store/db.js';
import { MemoryState } from '../../src/store/memory-state.js';
import { runTool } from '../helpers/openssl-pki.js';

export const UNIT = { unitName: '某市人民政府办公室', unitCode: '91350100M000100Y43' };

export interface CaFixture {
  ca: CaHandle;
  vault: DbKeyVault;
  state: MemoryState;
  dir: string;
  /** Writes bytes (PEM or DER) into the scratch dir and returns the path. */
  file(name: string, data: Buffer | string): string;
  openssl(args: string[], input?: Buffer | string): Promise<{ code: number; out: string; stdout: Buffer }>;
  rootPath: string;
  issuingPath: string;
  /** Removes the scratch dir. */
  cleanup(): void;
}

export async function caFixture(db: Db, clock: Clock, publicUrl = 'http://127.0.0.1:1'): Promise<CaFixture> {
  const vault = new DbKeyVault(db, randomBytes(32));
  const state = new MemoryState(clock);
  const ca = await ensureCa({ db, vault, config: { publicUrl }, clock, state });
  const dir = mkdtempSync(join(tmpdir(), 'seal-ca-test-'));
  const file = (name: string, data: Buffer | string) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };
  const openssl = async (args: string[], input?: Buffer | string) => {
    const r = await runTool('openssl', args, { cwd: dir, ...(input !== undefined ? { input } : {}) });
    return { code: r.code, out: r.stdout.toString() + r.stderr.toString(), stdout: r.stdout };
  };
  return {
    ca,
    vault,
    state,
    dir,
    file,
    openssl,
    rootPath: file('root.pem', ca.rootPem()),
    issuingPath: file('issuing.pem', toPem(ca.issuingCertificate)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function sealKey(curve: 'prime256v1' | 'secp384r1' = 'prime256v1'): Buffer {
  return generateKeyPairSync('ec', { namedCurve: curve }).publicKey.export({ format: 'der', type: 'spki' });
}

export const imageHash = (seed: string): Buffer => createHash('sha256').update(seed).digest();
