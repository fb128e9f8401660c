import type { CaHandle } from '../ca/authority.js';
import { hierarchyOfKey } from '../ca/hierarchies.js';
import { makeSESeal } from '../ca/seseal-maker.js';
import type { KeyVault } from '../crypto/key-vault.js';
import type { SealMaker } from './ports.js';

/**
 * The seal register's SealMaker on the municipal CA and the key vault: everything happens inside the
 * caller's transaction, so a seal is made whole (key, certificate, SESeal, record) or not at all.
 */
export function caSealMaker(ca: CaHandle, vault: KeyVault): SealMaker {
  return {
    async makeSeal(tx, req) {
      const txVault = vault.withQueryable(tx);
      const hierarchy = hierarchyOfKey(req.algorithm);
      // The department sub-CA is made on first use, in the transaction of the seal that needs it.
      const issuerCaId =
        req.issuer === 'department'
          ? (await ca.ensureDepartmentCa({ unitName: req.unit.name, unitCode: req.unit.code }, tx, hierarchy)).caId
          : ca.issuingCaIdOf(hierarchy);
      const profile = ca.policy.profiles[(await ca.profileOfSealIssuer(issuerCaId, tx))];
      if (profile.keyAlgorithm !== req.algorithm) throw new Error(`the ${hierarchy} seal profile makes ${profile.keyAlgorithm} keys, not ${req.algorithm}`);
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
      // An SM2 seal is also a GB/T 38540 seal data object, signed by the municipal office as seal maker.
      const seseal =
        req.algorithm === 'SM2'
          ? await makeSESeal(
              ca,
              {
                esId: req.sealCode,
                type: 1,
                name: req.sealName,
                holderCertificate: cert.certificate,
                createDate: cert.notBefore,
                validStart: cert.notBefore,
                validEnd: cert.notAfter,
                png: req.png,
                widthMm: req.imageSizeMm.width,
                heightMm: req.imageSizeMm.height,
              },
              tx,
            )
          : undefined;
      return { keyId: key.keyId, serial: cert.serial, certificate: cert.certificate, issuerCaId: cert.issuerCaId, algorithm: req.algorithm, ...(seseal ? { seseal } : {}) };
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
