/**
 * Certification path building and validation (RFC 5280 §6, the parts that matter for seals):
 * each link's signature, validity at the signing time, basicConstraints and pathLen, key usage,
 * directoryName name constraints, and critical extensions the verifier does not understand.
 */
import {
  type ParsedCertificate, type KeyUsageBit, sameName, withinSubtree, unknownCriticalExtensions,
} from './certificate.js';
import { verifySignatureValue } from './signature-algorithms.js';

export type ChainFailure =
  | 'chain-untrusted'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'key-usage-invalid'
  | 'basic-constraints-violated'
  | 'path-length-exceeded'
  | 'name-constraints-violated'
  | 'unknown-critical-extension'
  | 'extended-key-usage-invalid';

export type ChainResult =
  | { ok: true; path: ParsedCertificate[] /* leaf first, anchor last */ }
  | { ok: false; reason: ChainFailure; detail: string; path?: ParsedCertificate[] };

export interface ChainOptions {
  /** Time at which every certificate of the path must be valid. */
  at: Date;
  /** Key usage the leaf must have (any of). */
  leafKeyUsage: KeyUsageBit[];
  /** Extended key usage the leaf must carry (e.g. timeStamping for a TSA). */
  leafExtKeyUsage?: string;
  allowRsa?: boolean;
}

const MAX_DEPTH = 8;

/** Verified links, per issuer object (parsed certificates are cached, so the same CA links are checked once). */
const links = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();

async function issues(issuer: ParsedCertificate, child: ParsedCertificate, allowRsa: boolean): Promise<boolean> {
  if (!sameName(issuer.subject, child.issuer) && !issuer.subjectDer.equals(child.issuerDer)) return false;
  let m = links.get(issuer);
  if (!m) { m = new WeakMap(); links.set(issuer, m); }
  let ok = m.get(child);
  if (ok === undefined) {
    // Cached without the RSA policy: a link's signature either verifies or not; policy is applied below.
    ok = (await verifySignatureValue({ algorithm: child.signatureAlgorithm, spki: issuer.spki, data: child.tbs, signature: child.signatureValue })).ok;
    m.set(child, ok);
  }
  if (ok && !allowRsa && /^1\.2\.840\.113549\.1\.1\./.test(child.signatureAlgorithm.algorithmId)) return false;
  return ok;
}

/**
 * Every path from `leaf` to one of `anchors`, built from `pool` (CMS and DSS certificates).
 * Paths are found by name and proven by signature, so a wrong certificate in the pool cannot
 * shadow the right one.
 */
async function buildPaths(leaf: ParsedCertificate, pool: ParsedCertificate[], anchors: ParsedCertificate[], allowRsa: boolean): Promise<ParsedCertificate[][]> {
  const out: ParsedCertificate[][] = [];
  const walk = async (path: ParsedCertificate[]): Promise<void> => {
    if (out.length >= 4 || path.length > MAX_DEPTH) return;
    const top = path[path.length - 1]!;
    // The top itself may be an anchor (a leaf issued directly or a self-signed anchor in the CMS).
    if (anchors.some((a) => a.der.equals(top.der))) { out.push(path); return; }
    for (const a of anchors) if (await issues(a, top, allowRsa)) out.push([...path, a]);
    for (const c of pool) {
      if (path.some((p) => p.der.equals(c.der)) || anchors.some((a) => a.der.equals(c.der))) continue;
      if (await issues(c, top, allowRsa)) await walk([...path, c]);
    }
  };
  await walk([leaf]);
  return out;
}

function validatePath(path: ParsedCertificate[], opts: ChainOptions): ChainResult {
  const at = opts.at.getTime();
  // Walk from the anchor down (RFC 5280 order); the anchor itself is trusted input and is not checked.
  let maxPath: number | undefined;
  const permitted: ParsedCertificate['subject'][][] = [];
  const excluded: ParsedCertificate['subject'][] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i]!;
    const isAnchor = i === path.length - 1;
    const isLeaf = i === 0;
    if (!isAnchor) {
      if (at < cert.notBefore.getTime())
        return { ok: false, reason: 'certificate-not-yet-valid', detail: `${cert.subjectText} is valid from ${cert.notBefore.toISOString()}`, path };
      if (at > cert.notAfter.getTime())
        return { ok: false, reason: 'certificate-expired', detail: `${cert.subjectText} expired ${cert.notAfter.toISOString()}`, path };
      const unknown = unknownCriticalExtensions(cert);
      if (unknown.length) return { ok: false, reason: 'unknown-critical-extension', detail: `${cert.subjectText}: ${unknown.join(', ')}`, path };
      // Name constraints apply to every certificate below the CA that set them (self-issued intermediates excepted).
      if (!(cert.selfIssued && !isLeaf)) {
        for (const sets of permitted)
          if (!sets.some((st) => withinSubtree(cert.subject, st)))
            return { ok: false, reason: 'name-constraints-violated', detail: `${cert.subjectText} is outside the permitted subtrees`, path };
        if (excluded.some((st) => withinSubtree(cert.subject, st)))
          return { ok: false, reason: 'name-constraints-violated', detail: `${cert.subjectText} is in an excluded subtree`, path };
      }
    }
    if (!isLeaf) {
      // A CA certificate (anchor included: a constrained anchor constrains what it issues).
      if (!cert.basicConstraints?.ca)
        return { ok: false, reason: 'basic-constraints-violated', detail: `${cert.subjectText} is not a CA`, path };
      if (cert.keyUsage && !cert.keyUsage.has('keyCertSign'))
        return { ok: false, reason: 'key-usage-invalid', detail: `${cert.subjectText} lacks keyCertSign`, path };
      if (!isAnchor) {
        if (!cert.selfIssued) {
          if (maxPath !== undefined) {
            if (maxPath <= 0) return { ok: false, reason: 'path-length-exceeded', detail: `${cert.subjectText} exceeds a pathLenConstraint`, path };
            maxPath--;
          }
        }
      }
      const pl = cert.basicConstraints.pathLen;
      if (pl !== undefined && (maxPath === undefined || pl < maxPath)) maxPath = pl;
      if (cert.nameConstraints) {
        if (cert.nameConstraints.permitted.length) permitted.push(cert.nameConstraints.permitted);
        excluded.push(...cert.nameConstraints.excluded);
      }
    }
  }
  const leaf = path[0]!;
  if (opts.leafKeyUsage.length && leaf.keyUsage && !opts.leafKeyUsage.some((u) => leaf.keyUsage!.has(u)))
    return { ok: false, reason: 'key-usage-invalid', detail: `${leaf.subjectText} has key usage ${[...leaf.keyUsage].join(',') || 'none'}, needs ${opts.leafKeyUsage.join(' or ')}`, path };
  if (opts.leafKeyUsage.length && !leaf.keyUsage && leaf.basicConstraints?.ca)
    return { ok: false, reason: 'key-usage-invalid', detail: `${leaf.subjectText} is a CA certificate without key usage`, path };
  if (opts.leafExtKeyUsage && !(leaf.extKeyUsage ?? []).includes(opts.leafExtKeyUsage))
    return { ok: false, reason: 'extended-key-usage-invalid', detail: `${leaf.subjectText} lacks extended key usage ${opts.leafExtKeyUsage}`, path };
  return { ok: true, path };
}

/**
 * Find a path from `leaf` to a trust anchor and validate it at `opts.at`. When several paths
 * exist, the first valid one wins; otherwise the failure of the first path is reported.
 */
export async function validateChain(
  leaf: ParsedCertificate, pool: ParsedCertificate[], anchors: ParsedCertificate[], opts: ChainOptions,
): Promise<ChainResult> {
  const allowRsa = opts.allowRsa !== false;
  const paths = await buildPaths(leaf, pool, anchors, allowRsa);
  // No path: whether the issuer is unknown or a certificate merely claims a trusted issuer's name,
  // nothing links the signer to an anchor.
  if (!paths.length) return { ok: false, reason: 'chain-untrusted', detail: `no path from ${leaf.subjectText} to a trust anchor` };
  let first: ChainResult | undefined;
  for (const p of paths) {
    const r = validatePath(p, opts);
    if (r.ok) return r;
    first ??= r;
  }
  return first!;
}
