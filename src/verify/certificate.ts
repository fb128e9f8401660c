/**
 * X.509 certificates as the verifier sees them: the parsed fields path validation needs,
 * taken from pkijs once, so later steps never re-parse DER.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { readCertificate } from '../asn1/certificate.js';
import { NAME_ATTRIBUTE_SHORT, OID } from '../asn1/oids.js';
import { Lru } from '../lru.js';

export type KeyUsageBit =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment'
  | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';
const KEY_USAGE_BITS: KeyUsageBit[] = [
  'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment',
  'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
];

export const OID_EKU_TIMESTAMPING = OID.kpTimeStamping;
export const OID_EKU_OCSP_SIGNING = OID.kpOcspSigning;
const OID_BASIC_CONSTRAINTS = OID.basicConstraints;
const OID_KEY_USAGE = OID.keyUsage;
const OID_EXT_KEY_USAGE = OID.extKeyUsage;
const OID_NAME_CONSTRAINTS = OID.nameConstraints;
const OID_AIA = OID.authorityInfoAccess;
const OID_CRL_DP = OID.cRLDistributionPoints;
const OID_AD_OCSP = OID.adOcsp;

/** Extensions whose meaning this verifier enforces or that carry no constraint; any other critical one fails the path. */
const UNDERSTOOD_EXTENSIONS = new Set<string>([
  OID_BASIC_CONSTRAINTS, OID_KEY_USAGE, OID_EXT_KEY_USAGE, OID_NAME_CONSTRAINTS, OID_AIA, OID_CRL_DP,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.subjectAltName,
  OID.issuerAltName,
  OID.certificatePolicies, // no policy constraints are required by our trust model
  OID.ocspNoCheck,
]);
/** Private extensions declared understood by other modules (e.g. the seal-image binding). */
export function declareUnderstoodExtension(oid: string): void {
  UNDERSTOOD_EXTENSIONS.add(oid);
}

/** One RDN attribute, normalised for RFC 5280 §7.1 style comparison (case and spacing folded). */
export interface NameAttribute { type: string; value: string }
export type DistinguishedName = NameAttribute[][];

export interface ParsedCertificate {
  der: Buffer;
  pkijs: pkijs.Certificate;
  subjectDer: Buffer;
  issuerDer: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  subjectText: string;
  issuerText: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  /** The BIT STRING contents of the public key (for OCSP issuerKeyHash). */
  publicKeyBits: Buffer;
  tbs: Buffer;
  subjectKeyId?: Buffer;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  signatureValue: Buffer;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: Set<KeyUsageBit>;
  extKeyUsage?: string[];
  nameConstraints?: { permitted: DistinguishedName[]; excluded: DistinguishedName[]; otherForms: boolean };
  ocspUrls: string[];
  crlUrls: string[];
  extensions: pkijs.Extension[];
  selfIssued: boolean;
}

function normaliseValue(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v ?? '');
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}

function dnFromRdn(rdn: pkijs.RelativeDistinguishedNames): DistinguishedName {
  // pkijs flattens the RDNSequence into typesAndValues; multi-valued RDNs are rare enough that
  // one attribute per RDN is the model here (the valueBeforeDecode comparison below covers exact equality).
  return rdn.typesAndValues.map((tv) => [{ type: tv.type, value: normaliseValue(tv.value.valueBlock.value) }]);
}

export function dnToText(dn: pkijs.RelativeDistinguishedNames): string {
  return dn.typesAndValues.map((tv) => `${NAME_ATTRIBUTE_SHORT[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`).join(', ');
}

export function attributeOf(dn: pkijs.RelativeDistinguishedNames, oid: string): string | undefined {
  const tv = dn.typesAndValues.find((t) => t.type === oid);
  return tv ? String(tv.value.valueBlock.value) : undefined;
}

export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.length !== b.length) return false;
  return a.every((rdn, i) => rdnEqual(rdn, b[i]!));
}
function rdnEqual(a: NameAttribute[], b: NameAttribute[]): boolean {
  return a.length === b.length && a.every((x, j) => x.type === b[j]!.type && x.value === b[j]!.value);
}
/** RFC 5280 §4.2.1.10: a directoryName is within a subtree when the subtree's RDNs are its leading RDNs. */
export function withinSubtree(name: DistinguishedName, subtree: DistinguishedName): boolean {
  if (subtree.length > name.length) return false;
  return subtree.every((rdn, i) => rdnEqual(rdn, name[i]!));
}

function toBuf(ab: ArrayBuffer | Uint8Array): Buffer {
  return ab instanceof Uint8Array ? Buffer.from(ab.buffer, ab.byteOffset, ab.byteLength) : Buffer.from(ab);
}

const parsedCache = new Lru<string, ParsedCertificate>(1024);

/** Parse (or reuse the parse of) a DER certificate. Parsed certificates are immutable; treat them as such. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
  const hit = parsedCache.get(key);
  if (hit) return hit;
  const parsed = parseCertificateUncached(der);
  parsedCache.set(key, parsed);
  return parsed;
}

function parseCertificateUncached(der: Uint8Array): ParsedCertificate {
  // One reader for certificates everywhere (src/asn1/certificate.ts): bounded, and names as encoded in
  // the certificate (not re-encoded), because signer identifiers and OCSP hashes use those bytes.
  const f = readCertificate(der);
  const cert = f.cert;
  const exts = cert.extensions ?? [];
  const parsed: ParsedCertificate = {
    der: f.der,
    pkijs: cert,
    subjectDer: f.subjectDer,
    issuerDer: f.issuerDer,
    subject: dnFromRdn(cert.subject),
    issuer: dnFromRdn(cert.issuer),
    subjectText: dnToText(cert.subject),
    issuerText: dnToText(cert.issuer),
    serialHex: f.serialHex.toUpperCase(),
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    spki: f.spki,
    publicKeyBits: f.publicKeyBits,
    tbs: f.tbs,
    signatureAlgorithm: cert.signatureAlgorithm,
    signatureValue: toBuf(cert.signatureValue.valueBlock.valueHexView),
    ocspUrls: [],
    crlUrls: [],
    extensions: exts,
    selfIssued: f.selfIssued,
  };
  for (const ext of exts) {
    const p = ext.parsedValue as unknown;
    switch (ext.extnID) {
      case OID_BASIC_CONSTRAINTS: {
        const bc = p as pkijs.BasicConstraints;
        const pathLen = typeof bc.pathLenConstraint === 'number'
          ? bc.pathLenConstraint
          : bc.pathLenConstraint instanceof asn1js.Integer ? bc.pathLenConstraint.valueBlock.valueDec : undefined;
        parsed.basicConstraints = { ca: bc.cA === true, ...(pathLen !== undefined ? { pathLen } : {}) };
        break;
      }
      case OID_KEY_USAGE: {
        const bits = p as asn1js.BitString;
        const bytes = bits.valueBlock.valueHexView;
        const set = new Set<KeyUsageBit>();
        KEY_USAGE_BITS.forEach((name, i) => {
          const byte = bytes[i >> 3] ?? 0;
          if (byte & (0x80 >> (i & 7))) set.add(name);
        });
        parsed.keyUsage = set;
        break;
      }
      case OID.subjectKeyIdentifier:
        if (p instanceof asn1js.OctetString) parsed.subjectKeyId = toBuf(p.valueBlock.valueHexView);
        break;
      case OID_EXT_KEY_USAGE:
        parsed.extKeyUsage = (p as pkijs.ExtKeyUsage).keyPurposes;
        break;
      case OID_NAME_CONSTRAINTS: {
        const nc = p as pkijs.NameConstraints;
        const result = { permitted: [] as DistinguishedName[], excluded: [] as DistinguishedName[], otherForms: false };
        for (const [list, target] of [[nc.permittedSubtrees, result.permitted], [nc.excludedSubtrees, result.excluded]] as const) {
          for (const st of list ?? []) {
            if (st.base.type === 4) target.push(dnFromRdn(st.base.value as pkijs.RelativeDistinguishedNames));
            else result.otherForms = true;
          }
        }
        parsed.nameConstraints = result;
        break;
      }
      case OID_AIA: {
        const aia = p as pkijs.InfoAccess;
        for (const d of aia.accessDescriptions ?? [])
          if (d.accessMethod === OID_AD_OCSP && d.accessLocation.type === 6) parsed.ocspUrls.push(String(d.accessLocation.value));
        break;
      }
      case OID_CRL_DP: {
        const dps = p as pkijs.CRLDistributionPoints;
        for (const dp of dps.distributionPoints ?? []) {
          const names = Array.isArray(dp.distributionPoint) ? dp.distributionPoint : [];
          for (const gn of names as pkijs.GeneralName[]) if (gn.type === 6) parsed.crlUrls.push(String(gn.value));
        }
        break;
      }
    }
  }
  return parsed;
}

export function unknownCriticalExtensions(cert: ParsedCertificate): string[] {
  return cert.extensions.filter((e) => e.critical && !UNDERSTOOD_EXTENSIONS.has(e.extnID)).map((e) => e.extnID);
}
