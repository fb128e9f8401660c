import type { KeyAlgorithm } from '../algorithms/table.js';
import type { ProfileName } from './profiles.js';

/**
 * The CA runs two hierarchies side by side (DESIGN.md "Keys"): the ECDSA one, and an SM2 one
 * (GB/T 32918 keys, SM3withSM2 certificates) for seals under the national algorithms. Each has its
 * root, seal-issuing CA, department sub-CAs, OCSP responder and TSA; which profile (ca/profiles.json)
 * and which CA id each role uses is this table. A seal's hierarchy is that of its profile's key.
 */
export type Hierarchy = 'ECDSA' | 'SM2';
export const HIERARCHY_NAMES: readonly Hierarchy[] = ['ECDSA', 'SM2'];

export interface HierarchyLayout {
  /** CA ids of the root and the seal-issuing CA (rows of ca_authorities). */
  rootCaId: string;
  issuingCaId: string;
  /** Department sub-CA ids start with this. */
  departmentPrefix: string;
  profiles: { root: ProfileName; issuing: ProfileName; department: ProfileName; seal: ProfileName; departmentSeal: ProfileName };
  /** Service signer roles (ca_service_signers.role) and their profiles. */
  signers: Partial<Record<ServiceSignerKind, { role: string; profile: ProfileName }>>;
}

export type ServiceSignerKind = 'ocsp' | 'tsa' | 'audit' | 'sealMaker';

export const HIERARCHIES: Record<Hierarchy, HierarchyLayout> = {
  ECDSA: {
    rootCaId: 'root',
    issuingCaId: 'issuing',
    departmentPrefix: 'dept-',
    profiles: { root: 'root', issuing: 'issuing-ca', department: 'department-ca', seal: 'seal', departmentSeal: 'department-seal' },
    signers: {
      ocsp: { role: 'ocsp', profile: 'ocsp-responder' },
      tsa: { role: 'tsa', profile: 'tsa' },
      audit: { role: 'audit', profile: 'audit-signer' },
    },
  },
  SM2: {
    rootCaId: 'sm2-root',
    issuingCaId: 'sm2-issuing',
    departmentPrefix: 'dept-sm2-',
    profiles: { root: 'sm2-root', issuing: 'sm2-issuing-ca', department: 'sm2-department-ca', seal: 'sm2-seal', departmentSeal: 'sm2-department-seal' },
    signers: {
      ocsp: { role: 'sm2-ocsp', profile: 'sm2-ocsp-responder' },
      tsa: { role: 'sm2-tsa', profile: 'sm2-tsa' },
      // 制章人 the municipal office as the maker of every SESeal (GB/T 38540); only the SM2 hierarchy has seal data objects.
      sealMaker: { role: 'seal-maker', profile: 'seal-maker' },
    },
  },
};

/** Which hierarchy a key algorithm belongs to (SM2 keys are certified by SM2 CAs only). */
export const hierarchyOfKey = (alg: KeyAlgorithm): Hierarchy => (alg === 'SM2' ? 'SM2' : 'ECDSA');

/** The hierarchy a seal of this algorithm is made in; the key algorithm of a seal is its profile's. */
export const isHierarchy = (s: unknown): s is Hierarchy => HIERARCHY_NAMES.includes(s as Hierarchy);

/** Every service signer of every hierarchy: role, hierarchy and profile. */
export const SERVICE_SIGNERS = HIERARCHY_NAMES.flatMap((h) =>
  Object.entries(HIERARCHIES[h].signers).map(([kind, s]) => ({ hierarchy: h, kind: kind as ServiceSignerKind, role: s!.role, profile: s!.profile })),
);
