import type { SealKeyAlgorithm } from '../algorithms/table.js';
import type { Queryable } from '../store/db.js';

/** RFC 5280 CRLReason names the lifecycle uses when it revokes a seal certificate. */
export type RevocationReason = 'unspecified' | 'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'privilegeWithdrawn';

export interface SealIssuerUnit {
  id: string;
  name: string;
  code: string;
}

export interface MadeSeal {
  keyId: string;
  serial: string;
  certificate: Buffer;
  issuerCaId: string;
  algorithm: SealKeyAlgorithm;
  /** GB/T 38540 SESeal (DER) of an SM2 seal, signed by the seal maker; absent for ECDSA seals. */
  seseal?: Buffer;
}

/**
 * What the seal register needs from the CA and the key vault. The lifecycle never touches keys or
 * certificates itself: it asks for them here, inside its own transaction, so a seal is made whole or not at all.
 */
export interface SealMaker {
  /** Generates the seal's key in the vault and issues its certificate with the image bound. */
  makeSeal(
    tx: Queryable,
    req: {
      unit: SealIssuerUnit;
      /** The municipal seal-issuing CA, or the unit's own department sub-CA (Art. 17(4)). */
      issuer: 'municipal' | 'department';
      sealName: string;
      /** A department seal's department (certificate OU). */
      department?: string;
      imageHash: Buffer;
      imageSizeMm: { width: number; height: number };
      /** The seal's key algorithm: chooses the hierarchy and profile that certify it. */
      algorithm: SealKeyAlgorithm;
      /** The seal picture (PNG) an SM2 seal's SESeal carries. */
      png: Buffer;
      /** 印章编码: the seal's code in its SESeal (the unit's credit code and a sequence). */
      sealCode: string;
    },
  ): Promise<MadeSeal>;
  revoke(tx: Queryable, serial: string, reason: RevocationReason, time: Date): Promise<void>;
  /** After the revoking transaction committed: drop cached OCSP answers on every instance. */
  revocationsCommitted(serials: string[]): Promise<void>;
  /** Crypto-shredding: the private key is gone for good. */
  destroyKey(tx: Queryable, keyId: string): Promise<void>;
  /**
   * Revokes the unit's department sub-CA for that name (Art. 17(4), at a rename or deregistration);
   * with destroyKey its key is destroyed by finishRetirements() after the sub-CA's last CRL is made.
   * Returns the revoked serial, or null when the unit never had one under that name.
   */
  retireDepartmentCa(tx: Queryable, unit: { name: string; code: string }, reason: RevocationReason, time: Date, opts: { destroyKey: boolean }): Promise<string | null>;
  /** After commit: the final CRLs of retired department sub-CAs, then their keys destroyed. */
  finishRetirements(): Promise<void>;
}

export interface RenderedSealImage {
  png: Buffer;
  imageHash: Buffer;
  widthMm: number;
  heightMm: number;
}

export interface SealImageRenderer {
  render(req: { template: string; text: string; bottomText?: string }): Promise<RenderedSealImage>;
}
