import * as pkijs from 'pkijs';
import { readCertificate } from '../asn1/certificate.js';
import { buf, decodeAs } from '../asn1/der.js';
import { nameFromDer } from '../asn1/name.js';
import { wholeSeconds } from '../asn1/values.js';
import { AppError } from '../errors.js';
import { signCertificate, checkSubjectPublicKey, type Signer } from './cert.js';
import {
  authorityInfoAccess,
  authorityKeyIdentifier,
  basicConstraints,
  certificatePolicies,
  crlDistributionPoints,
  extKeyUsage,
  keyIdentifier,
  keyUsage,
  nameConstraints,
  ocspNoCheck,
  subjectKeyIdentifier,
} from './extensions.js';
import { encodeName, nameWithinSubtree, type NameSpec } from './names.js';
import type { CaPolicy, CertificateProfile } from './profiles.js';
import { sealImageBindingExtension, type SealImageBinding } from './seal-image-binding.js';

const DAY_MS = 86_400_000;

/** The issuing side: its certificate (null when self-signing a root) and its vault key. */
export interface Issuer {
  certificate: Buffer | null;
  signer: Signer;
  /** The directoryName subtrees this issuer may certify (department sub-CAs); undefined = unconstrained. */
  permittedSubtrees?: NameSpec[];
}

/** Where relying parties find status and the issuer's certificate; derived from SEAL_PUBLIC_URL and the issuer's CA id. */
export interface PublicationUrls {
  ocsp: string;
  caIssuers: string;
  crl: string;
}

export interface IssueRequest {
  policy: CaPolicy;
  profile: CertificateProfile;
  issuer: Issuer;
  subject: NameSpec;
  subjectPublicKeySpki: Buffer;
  serial: Buffer;
  now: Date;
  urls: PublicationUrls;
  /** Subtrees written into a department sub-CA's name constraints. */
  nameConstraints?: NameSpec[];
  sealImage?: SealImageBinding;
}

/**
 * Profile-driven certificate issuance. Every check a caller can fail (public key, name constraints,
 * missing image binding) happens before the vault is asked to sign.
 */
export async function issueCertificate(req: IssueRequest): Promise<Buffer> {
  const { profile, issuer, policy } = req;
  checkSubjectPublicKey(req.subjectPublicKeySpki);
  if (issuer.permittedSubtrees && !issuer.permittedSubtrees.some((base) => nameWithinSubtree(req.subject, base))) {
    throw new AppError(422, 'name-constraints-violation', "The subject is outside the issuing CA's name constraints (it may only certify its own unit).");
  }
  if (profile.sealImageBinding && !req.sealImage) {
    throw new AppError(422, 'seal-image-required', 'A seal certificate must bind the seal image hash.');
  }
  if (profile.nameConstraints && !req.nameConstraints?.length) throw new Error('this profile needs name constraints');

  const subjectName = encodeName(req.subject);
  const subjectKeyBits = spkiBits(req.subjectPublicKeySpki);
  const issuerCert = issuer.certificate ? readCertificate(issuer.certificate) : null;
  const issuerName = issuerCert ? nameFromDer(issuerCert.subjectDer) : subjectName;
  const issuerKeyId = keyIdentifier(issuerCert ? issuerCert.publicKeyBits : subjectKeyBits);

  const notBefore = wholeSeconds(req.now);
  let notAfter = new Date(notBefore.getTime() + profile.validityDays * DAY_MS);
  // never outlive the issuer (RFC 5280 6.1.3 would fail the chain after it expires anyway)
  if (issuerCert && notAfter > issuerCert.notAfter) notAfter = issuerCert.notAfter;

  const ext: pkijs.Extension[] = [];
  if (profile.basicConstraints) ext.push(basicConstraints(profile.basicConstraints.pathLen));
  ext.push(keyUsage(profile.keyUsage));
  if (profile.extendedKeyUsage) ext.push(extKeyUsage(profile.extendedKeyUsage.purposes, profile.extendedKeyUsage.critical));
  ext.push(subjectKeyIdentifier(keyIdentifier(subjectKeyBits)));
  ext.push(authorityKeyIdentifier(issuerKeyId));
  if (profile.policies.length) ext.push(certificatePolicies(profile.policies.map((p) => policy.policies[p]!)));
  if (profile.aia) ext.push(authorityInfoAccess(profile.ocspNoCheck ? null : req.urls.ocsp, req.urls.caIssuers));
  if (profile.crlDistributionPoint) ext.push(crlDistributionPoints(req.urls.crl));
  if (profile.ocspNoCheck) ext.push(ocspNoCheck());
  if (req.nameConstraints?.length) ext.push(nameConstraints(req.nameConstraints.map(encodeName)));
  if (req.sealImage) ext.push(sealImageBindingExtension(req.sealImage));

  return signCertificate(
    { serial: req.serial, issuer: issuerName, subject: subjectName, notBefore, notAfter, spki: req.subjectPublicKeySpki, extensions: ext },
    issuer.signer,
  );
}

/** The subjectPublicKey bits of an SPKI, already accepted by checkSubjectPublicKey. */
const spkiBits = (spki: Buffer): Buffer => buf(decodeAs(pkijs.PublicKeyInfo, spki, 'SubjectPublicKeyInfo').subjectPublicKey.valueBlock.valueHexView);
