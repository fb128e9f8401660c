/** The verification report (its shape is the VerificationReport schema of openapi.yaml) and the verifier's options. */

export type SignatureStatus = 'VALID' | 'INVALID' | 'INDETERMINATE';
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

export interface VerifyOptions {
  /** Trust anchors, DER. */
  trustAnchors: Buffer[];
  /**
   * The validation time (`seal verify --at`, `POST /v1/verify?at=`): certificates that expired before it need
   * a proof of existence from an archive time-stamp relied on at it. Default: the current time.
   */
  now?: Date;
  /** Online revocation fetching (OCSP then CRL from the certificate's URLs); default off. */
  online?: { fetch: typeof fetch } | false;
  /**
   * Validation data from outside the document, used like its DSS (e.g. the service's own CA's current OCSP
   * responses or CRL, or certificates that complete a path). Verified exactly as DSS data is.
   */
  evidence?: { certificates?: Buffer[]; ocsps?: Buffer[]; crls?: Buffer[] };
  /** Accept RSA signatures (PKCS#1 v1.5 and PSS); default true. */
  allowRsa?: boolean;
}

/** A check's outcome: true passed, false failed, null not applicable or could not be decided. */
export type CheckOutcome = boolean | null;

/** pyHanko's modification levels, lowest first; `other` is never allowed. */
export type ModificationLevel = 'none' | 'lta-updates' | 'form-filling' | 'annotations' | 'other';

export interface ModificationReport {
  revision: number;
  /**
   * What the change is: the rule that cleared it ("dss", "signature", "document-timestamp", "metadata",
   * "form-fill", "annotation", …) or, for a change no rule explains, what a reader would see differently
   * ("page-content", "page", "catalog", "dangling-reference-filled", "unaccounted-bytes", …).
   */
  kind: string;
  level: ModificationLevel;
  /** False for `other`, and where a DocMDP certification or a FieldMDP lock of an earlier signature forbids the level. */
  allowed: boolean;
  /** Objects involved ("12 0"), for changes no rule explains. */
  objects?: string[];
  /** Form fields whose value or appearance the change touches. */
  fields?: string[];
}

export interface SignerReport {
  /** The organisation (unit) named in the certificate subject. */
  unit: string;
  /** The certificate subject's common name (the seal). */
  seal: string;
  certificateSerial: string;
  subject: string;
  issuer: string;
}

export interface SignatureReport {
  field: string;
  kind: 'signature' | 'document-timestamp';
  /** When the signature's CMS holds several SignerInfos, each is reported on its own: its index (0-based). */
  signerInfo?: number;
  status: SignatureStatus;
  /** Stable code of the first problem ("ok" when valid); tests and clients match on it. */
  reason: string;
  /** Human-readable explanation of `reason`, naming revision and object where there are some. */
  detail?: string;
  /** Every problem found, first one = `reason`. */
  problems: { reason: string; detail: string }[];
  level?: PadesLevel;
  /** The signature format: `cades` (a CMS with SHA-2 and the like), `cms-sm2` (an SM2 CMS with SM3), `ses` (a GB/T 38540 SES_Signature). */
  format: 'cades' | 'ses' | 'cms-sm2';
  subFilter?: string;
  signer?: SignerReport;
  signedAt?: string;
  timeSource?: 'timestamp' | 'claimed';
  coversWholeDocument: boolean;
  /** The signature's /ByteRange as checked (absent when it could not be read). */
  byteRange?: [number, number, number, number];
  /** Index (0-based, oldest first) of the revision this signature signs. */
  revision: number;
  modificationsAfter: ModificationReport[];
  /** A riding seal (骑缝章): its slices stand at the right edge of these pages (1-based, as signed). */
  riding?: true;
  ridingPages?: number[];
  checks: {
    integrity: CheckOutcome;
    signature: CheckOutcome;
    chain: CheckOutcome;
    revocation: CheckOutcome;
    timestamp: CheckOutcome;
    sealImage: CheckOutcome;
    modifications: CheckOutcome;
    /** Riding seals only: every page still carries its slice. */
    ridingSlices?: CheckOutcome;
    /** GB/T 38540 SES signatures only: the SESeal's maker signature and chain, its validity at the signing time, the signer listed in it. */
    seseal?: CheckOutcome;
  };
}

export interface VerificationReport {
  valid: boolean;
  signatures: SignatureReport[];
  revisions: number;
  /** The time the document was validated at (ISO 8601). */
  validationTime: string;
  /** True when the cross-reference structure was broken and had to be recovered by scanning the file. */
  recovered?: boolean;
}
