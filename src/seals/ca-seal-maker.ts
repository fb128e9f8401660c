import type { CaHandle } from '../ca/authority.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { SealMaker } from './ports.js';

/**
 * The seal register's SealMaker on the municipal CA and the key vault: everything happens inside the
 * caller's transaction, so a seal is made whole (key, certificate, record) or not at all.
 */
export function caSealMaker(ca: CaHandle, vault: KeyVault): SealMaker {
  return {
    async makeSeal(tx, req) {
      const txVault = vault.withQueryable(tx);
      // The department sub-CA is made on first use, in the transaction of the seal that needs it.
      const issuerCaId =
        req.issuer === 'department' ? (await ca.ensureDepartmentCa({ unitName: req.unit.name, unitCode: req.unit.code }, tx)).caId : undefined;
      const profile = ca.policy.profiles[req.issuer === 'department' ? 'department-seal' : 'seal'];
      const key = await txVault.generate(profile.keyAlgorithm, { purpose: `seal:${req.unit.code}` });
      const cert = await ca.issueSealCertificate(
        {
          publicKeySpki: key.publicKeySpki,
          unitName: req.unit.name,
          unitCode: req.unit.code,
          sealName: req.sealName,
          ...(req.department !== undefined ? { department: req.department } : {}),
          imageHash: req.imageHash,
          widthMm: req.imageSizeMm.width,
          heightMm: req.imageSizeMm.height,
          issuerCaId,
        },
        tx,
      );
      return { keyId: key.keyId, serial: cert.serial, certificate: cert.certificate, issuerCaId: cert.issuerCaId };
    },
    async revoke(tx, serial, reason, time) {
      await ca.revokeWithin(tx, serial, reason, time);
    },
    async revocationsCommitted(serials) {
      await ca.revocationsCommitted(serials);
    },
    async destroyKey(tx, keyId) {
      await vault.withQueryable(tx).destroy(keyId);
    },
    retireDepartmentCa(tx, unit, reason, time, opts) {
      return ca.retireDepartmentCa(tx, { unitName: unit.name, unitCode: unit.code }, reason, time, opts);
    },
    async finishRetirements() {
      await ca.finishDepartmentCaRetirements();
    },
  };
}
