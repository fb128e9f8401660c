/**
 * Certification path building and validation (RFC 5280 §6, the parts that matter for seals):
 * each link's signature, validity at the signing time, basicConstraints and pathLen, key usage,
 * directoryName name constraints, and critical extensions the verifier does not understand.
 */
import {
  type ParsedCertificate, type KeyUsageBit, sameName, withinSubtree, unknownCriticalExtensions,
} from './certificate.js';
import { verifySignatureValue } from './signature-algorithms.js';
import { LIMITS, LimitExceeded } from '../limits.js';

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

/** Path length in certificates (leaf and anchor included). */
const MAX_DEPTH = LIMITS.chainDepth.value;

/** Verified links, per issuer object (parsed certificates are cached, so the same CA links are checked once). */
const links = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();

/** What one path search may still spend: each signature check of a link costs one unit. */
interface Work { left: number }

async function issues(issuer: ParsedCertificate, child: ParsedCertificate, allowRsa: boolean, work?: Work): Promise<boolean> {
  if (!sameName(issuer.subject, child.issuer) && !issuer.subjectDer.equals(child.issuerDer)) return false;
  if (work && --work.left < 0) throw new LimitExceeded(LIMITS.chainWork, 'the certification path search');
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
async function buildPaths(leaf: ParsedCertificate, pool: ParsedCertificate[], anchors: ParsedCertificate[], allowRsa: boolean, at: Date): Promise<ParsedCertificate[][]> {
  const out: ParsedCertificate[][] = [];
  const work: Work = { left: LIMITS.chainWork.value };
  const candidates = distinctIssuers(pool, anchors, at);
  // Certificates from which no anchor can be reached, whatever path leads to them: reached again by another
  // route, they are not searched again. Only a search that nothing cut short (a certificate skipped for being on
  // the path already, the depth limit) proves that, so only such a search marks one.
  const dead = new Set<ParsedCertificate>();
  /** Returns true when the search from the path's top was complete (not cut short by the path). */
  const walk = async (path: ParsedCertificate[]): Promise<boolean> => {
    if (out.length >= 4 || path.length > MAX_DEPTH) return false;
    const top = path[path.length - 1]!;
    // The top itself may be an anchor (a leaf issued directly or a self-signed anchor in the CMS).
    if (anchors.some((a) => a.der.equals(top.der))) { out.push(path); return true; }
    const before = out.length;
    let complete = true;
    for (const a of anchors) if (await issues(a, top, allowRsa, work)) out.push([...path, a]);
    let tried = 0;
    for (const c of candidates) {
      if (dead.has(c) || !sameIssuerName(c, top)) continue;
      if (path.some((p) => p.der.equals(c.der))) { complete = false; continue; }
      if (++tried > LIMITS.chainCandidates.value) throw new LimitExceeded(LIMITS.chainCandidates, `the candidate issuers of ${top.subjectText}`);
      if ((await issues(c, top, allowRsa, work)) && !(await walk([...path, c]))) complete = false;
    }
    if (complete && out.length === before && path.length > 1) dead.add(top);
    return complete;
  };
  await walk([leaf]);
  return out;
}

const sameIssuerName = (issuer: ParsedCertificate, child: ParsedCertificate) =>
  sameName(issuer.subject, child.issuer) || issuer.subjectDer.equals(child.issuerDer);

/**
 * The pool without anchors and without repeats: certificates with the same subject and key, issued by the same
 * name with the same key (authority key identifier), are one candidate issuer: a signature that one verifies, all
 * verify, and each is issued by whatever issues the others. So two dozen copies of a CA under one name and key are
 * tried once, not in every order, while cross-certificates and key-rollover certificates (NewWithOld beside
 * NewWithNew) stay separate routes. A certificate without an authority key identifier is never merged. Of merged
 * copies (a CA certificate renewed with the same key), the one valid at the validation time is kept.
 */
function distinctIssuers(pool: ParsedCertificate[], anchors: ParsedCertificate[], at: Date): ParsedCertificate[] {
  const anchorDer = new Set(anchors.map((a) => a.der.toString('latin1')));
  const byKey = new Map<string, ParsedCertificate>();
  const validAt = (c: ParsedCertificate) => c.notBefore.getTime() <= at.getTime() && at.getTime() <= c.notAfter.getTime();
  for (const c of pool) {
    if (anchorDer.has(c.der.toString('latin1'))) continue;
    const aki = authorityKeyId(c);
    const key = `${c.subjectDer.toString('latin1')}|${c.spki.toString('latin1')}|${c.issuerDer.toString('latin1')}|${(aki ?? c.der).toString('latin1')}`;
    const kept = byKey.get(key);
    if (!kept || (!validAt(kept) && validAt(c))) byKey.set(key, c);
  }
  return [...byKey.values()];
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
  const paths = await buildPaths(leaf, pool, anchors, allowRsa, opts.at);
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

function authorityKeyId(c: ParsedCertificate): Buffer | undefined {
  const ext = c.extensions.find((e) => e.extnID === '2.5.29.35');
  return ext ? Buffer.from(ext.extnValue.valueBlock.valueHexView) : undefined;
}
