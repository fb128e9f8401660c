/**
 * Algorithms as data: a key's algorithm travels with the key (vault row) and with the profile, and
 * certificate/CMS code looks its OIDs up here instead of branching on a hard-coded curve. SM2/SM3
 * (GB/T 32918, GB/T 38540) will be one more entry in these tables.
 */
export type KeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384';
export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384'];
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['SHA-256', 'SHA-384', 'SHA-512'];

interface KeyAlgorithmInfo {
  /** node:crypto curve name for generateKeyPair. */
  nodeCurve: string;
  /** The hash that matches the curve's strength, used when a profile does not say. */
  defaultHash: HashAlgorithm;
  /** Signature AlgorithmIdentifier OIDs per hash (no parameters for ECDSA, RFC 5758 3.2). */
  signatureOids: Record<HashAlgorithm, string>;
}

const ECDSA_OIDS: Record<HashAlgorithm, string> = {
  'SHA-256': '1.2.840.10045.4.3.2',
  'SHA-384': '1.2.840.10045.4.3.3',
  'SHA-512': '1.2.840.10045.4.3.4',
};

export const KEY_ALGORITHM_INFO: Record<KeyAlgorithm, KeyAlgorithmInfo> = {
  'ECDSA-P256': { nodeCurve: 'prime256v1', defaultHash: 'SHA-256', signatureOids: ECDSA_OIDS },
  'ECDSA-P384': { nodeCurve: 'secp384r1', defaultHash: 'SHA-384', signatureOids: ECDSA_OIDS },
};

export const HASH_OIDS: Record<HashAlgorithm, string> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

export const SHA1_OID = '1.3.14.3.2.26';

export const HASH_LENGTHS: Record<HashAlgorithm, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** node:crypto's name for a hash. */
export const nodeHash = (h: HashAlgorithm): string => h.replace('-', '').toLowerCase();

export function hashByOid(oid: string): HashAlgorithm | undefined {
  return HASH_ALGORITHMS.find((h) => HASH_OIDS[h] === oid);
}

export const isKeyAlgorithm = (s: unknown): s is KeyAlgorithm => KEY_ALGORITHMS.includes(s as KeyAlgorithm);
export const isHashAlgorithm = (s: unknown): s is HashAlgorithm => HASH_ALGORITHMS.includes(s as HashAlgorithm);
