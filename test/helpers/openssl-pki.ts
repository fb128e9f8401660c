/**
 * A throwaway test PKI made with the openssl CLI (independent of our own CA code), plus in-process
 * helpers that make RFC 3161 tokens, OCSP responses and CRLs with openssl.
 *
 * API (stable; other helpers' tests depend on it):
 *   makeTestPki(dir?)            -> Promise<TestPki>   cached per process (and per dir); made in os.tmpdir() when no dir
 *     pki.root           P-384 self-signed root CA
 *     pki.intermediate   P-256 issuing CA (pathlen 0), signed by root
 *     pki.leafP256       P-256 seal certificate       (KU digitalSignature+nonRepudiation critical,
 *                                                       EKU documentSigning 1.3.6.1.5.5.7.3.36 + emailProtection: NSS/pdfsig
 *                                                       refuses a signer whose EKU lacks emailProtection)
 *     pki.leafRsa        RSA-2048 seal certificate    (same profile)
 *     pki.ocsp           OCSP responder for the intermediate (EKU OCSPSigning critical, id-pkix-ocsp-nocheck)
 *     pki.tsa            TSA (EKU timeStamping critical), signed by the intermediate
 *     pki.rootPath / pki.chainPath (intermediate + root PEM) / pki.dir
 *     every TestCert: { name, keyAlgorithm, certPath, keyPath, certPem, keyPem, certDer, serialHex, issuer, chain }
 *                     (chain: DER of the CAs between it and the root, root excluded: [intermediate] or [])
 *   issueCert(pki, {...})        -> another leaf (any validity, KU/EKU, AIA/CRL URLs, issuer root|intermediate)
 *   signerFor(cert, digest?)     -> CmsSigner (node:crypto over the PEM key; certificates = [cert, ...cert.chain])
 *   opensslTimestamper(pki)      -> Timestamper  (`openssl ts -query` + `openssl ts -reply -token_out`; policy TEST_TSA_POLICY)
 *   opensslTsReply(pki, queryDer)  -> Promise<Buffer>  a whole TimeStampResp for a request (e.g. behind a test HTTP server)
 *   opensslOcsp(pki, certDer, issuerDer, revoked?, opts?) -> Promise<Buffer>  OCSPResponse DER (`openssl ocsp -index`)
 *   opensslCrl(pki, opts?)       -> Promise<Buffer>  CRL DER (`openssl ca -gencrl`), revoked entries as given
 *   nssDbTrusting(rootPem)       -> Promise<string>  a directory with an NSS db trusting rootPem: use `-nssdir sql:${dir}`
 *   nssDbWithSigner(pki, cert)   -> Promise<{ dir, nick }>  an NSS db that trusts the root and holds cert+key (for pdfsig -add-signature)
 *   pkcs12For(pki, cert, password, {legacy?, withChain?}) -> Promise<string>  path of a PKCS#12 (cert, key, chain unless withChain false)
 *   runTool(cmd, args, opts?)    -> Promise<{ stdout, stderr, code }>   (never throws on a non-zero exit; a missing
 *                                   tool rejects with ToolMissingError naming the apt package, so tests fail, never skip)
 *   requireTool(cmd)             throws with an install hint when a CLI tool is missing
 *
 * makeTestPki(dir) reuses a complete PKI found in `dir` (marker file test-pki.json), so a persistent directory
 * (test/fixtures/generated/pki) keeps one root across runs for fixtures signed with it.
 *
 * Certificates have fixed validity (2025-01-01 .. 2045-01-01 for CAs, .. 2035-01-01 for leaves), so tests that
 * use a FixedClock can pick times inside and outside it. Tokens, OCSP responses and CRLs use the real current time.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes, sign as nodeSign, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CmsSigner, Timestamper } from '../../src/pdf/cms.js';
import { isJudge, needJudge } from './judges.js';

export type TestKeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'RSA';

export interface TestCert {
  name: string;
  keyAlgorithm: TestKeyAlgorithm;
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  certDer: Buffer;
  serialHex: string;            // lower-case hex, no leading zeros stripped beyond openssl's output
  issuer: 'self' | 'root' | 'intermediate';
  /** DER of the CA certificates between this one and the root (root excluded): [intermediate] or [] */
  chain: Buffer[];
}

export interface TestPki {
  dir: string;
  root: TestCert;
  intermediate: TestCert;
  leafP256: TestCert;
  leafRsa: TestCert;
  ocsp: TestCert;
  tsa: TestCert;
  rootPath: string;
  /** intermediate + root, PEM */
  chainPath: string;
}

// ---------------------------------------------------------------------------------------------
// Running tools

const INSTALL_HINTS: Record<string, string> = {
  openssl: 'apt-get install openssl',
  certutil: 'apt-get install libnss3-tools',
  pk12util: 'apt-get install libnss3-tools',
  pdfsig: 'apt-get install poppler-utils',
  pdftoppm: 'apt-get install poppler-utils',
  qpdf: 'apt-get install qpdf',
  gs: 'apt-get install ghostscript',
};

export class ToolMissingError extends Error {
  constructor(readonly tool: string) {
    super(`${tool} is not installed (needed by this test); install it with: ${INSTALL_HINTS[tool] ?? `your package manager (${tool})`}`);
    this.name = 'ToolMissingError';
  }
}

export interface ToolResult { stdout: Buffer; stderr: string; code: number }

/** Runs a CLI tool; resolves with its exit code instead of throwing on failure. Throws ToolMissingError when absent. */
export function runTool(
  cmd: string,
  args: string[],
  opts: { cwd?: string; input?: Buffer | string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
        if (e && e.code === 'ENOENT') {
          // A Debian judge: the running test is skipped (and the run's summary names it), or fails in CI.
          if (isJudge(cmd)) {
            try {
              needJudge(cmd);
            } catch (skipOrFail) {
              return reject(skipOrFail);
            }
          }
          return reject(new ToolMissingError(cmd));
        }
        const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
        resolve({ stdout, stderr: stderr.toString('utf8'), code });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function run(cmd: string, args: string[], opts: Parameters<typeof runTool>[2] = {}): Promise<Buffer> {
  const r = await runTool(cmd, args, opts);
  // stderr of openssl/certutil never contains key material; the arguments name files, not secrets.
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Throws ToolMissingError (with an install hint) when `cmd` is not on PATH. */
export async function requireTool(cmd: string): Promise<void> {
  if (isJudge(cmd)) return needJudge(cmd);
  const r = await runTool('sh', ['-c', `command -v ${cmd}`]);
  if (r.code !== 0) throw new ToolMissingError(cmd);
}

const openssl = (args: string[], opts?: Parameters<typeof runTool>[2]) => run('openssl', args, opts);

// ---------------------------------------------------------------------------------------------
// Making the PKI

const CA_START = '20250101000000Z';
const CA_END = '20450101000000Z';
const LEAF_END = '20350101000000Z';

function caConfig(caDir: string): string {
  return `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${caDir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
rand_serial = yes
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
[ policy_any ]
countryName = optional
stateOrProvinceName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[ req_dn ]
CN = placeholder
[ crl_ext ]
authorityKeyIdentifier = keyid:always
`;
}

export interface IssueOptions {
  name: string;                       // file stem, unique within the PKI
  subject: string;                    // openssl -subj form, e.g. '/C=CN/O=Unit/CN=Seal' (UTF-8 allowed)
  keyAlgorithm?: TestKeyAlgorithm;    // default ECDSA-P256
  issuer?: 'root' | 'intermediate';   // default intermediate
  profile?: 'seal' | 'ocsp' | 'tsa' | 'ca';
  notBefore?: string;                 // YYYYMMDDHHMMSSZ, default 2025-01-01
  notAfter?: string;                  // default 2035-01-01
  keyUsage?: string;                  // overrides the profile's, openssl syntax: 'critical, digitalSignature'
  extendedKeyUsage?: string | null;   // overrides; null = no EKU extension
  ocspUrl?: string;                   // AIA OCSP
  caIssuersUrl?: string;              // AIA caIssuers
  crlUrl?: string;                    // CRL distribution point
}

function extensions(o: IssueOptions): string {
  const lines: string[] = ['subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'];
  const profile = o.profile ?? 'seal';
  const ku = {
    seal: 'critical, digitalSignature, nonRepudiation',
    ocsp: 'critical, digitalSignature',
    tsa: 'critical, digitalSignature, nonRepudiation',
    ca: 'critical, keyCertSign, cRLSign',
  }[profile];
  const eku = {
    // id-kp-documentSigning (RFC 9336) plus emailProtection: NSS (so poppler's pdfsig) validates a PDF signer for
    // certUsageEmailSigner and answers "Certificate type not approved" to an EKU without emailProtection.
    seal: '1.3.6.1.5.5.7.3.36, emailProtection',
    ocsp: 'critical, OCSPSigning',
    tsa: 'critical, timeStamping',
    ca: null,
  }[profile];
  lines.push(profile === 'ca' ? 'basicConstraints = critical, CA:true, pathlen:0' : 'basicConstraints = critical, CA:false');
  lines.push(`keyUsage = ${o.keyUsage ?? ku}`);
  const ekuValue = o.extendedKeyUsage === undefined ? eku : o.extendedKeyUsage;
  if (ekuValue) lines.push(`extendedKeyUsage = ${ekuValue}`);
  if (profile === 'ocsp') lines.push('noCheck = ignored');
  const aia: string[] = [];
  if (o.ocspUrl) aia.push(`OCSP;URI:${o.ocspUrl}`);
  if (o.caIssuersUrl) aia.push(`caIssuers;URI:${o.caIssuersUrl}`);
  if (aia.length) lines.push(`authorityInfoAccess = ${aia.join(', ')}`);
  if (o.crlUrl) lines.push(`crlDistributionPoints = URI:${o.crlUrl}`);
  return `[ ext ]\n${lines.join('\n')}\n`;
}

async function genKey(path: string, alg: TestKeyAlgorithm): Promise<void> {
  const opts =
    alg === 'RSA'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${alg === 'ECDSA-P256' ? 'P-256' : 'P-384'}`];
  await openssl(['genpkey', ...opts, '-out', path]);
}

async function loadCert(
  name: string, keyAlgorithm: TestKeyAlgorithm, certPath: string, keyPath: string, issuer: TestCert['issuer'], chain: Buffer[],
): Promise<TestCert> {
  const certPem = await readFile(certPath, 'utf8');
  const x = new X509Certificate(certPem);
  return {
    name, keyAlgorithm, certPath, keyPath, certPem,
    keyPem: await readFile(keyPath, 'utf8'),
    certDer: Buffer.from(x.raw),
    serialHex: x.serialNumber.toLowerCase(),
    issuer,
    chain,
  };
}

interface PkiInternals { lock: Promise<unknown> }
const internals = new WeakMap<TestPki, PkiInternals>();

/** Runs `fn` after every earlier issuance on this PKI (openssl ca's index.txt is not safe for concurrent writers). */
function serialized<T>(pki: TestPki, fn: () => Promise<T>): Promise<T> {
  const st = internals.get(pki)!;
  const next = st.lock.then(fn, fn);
  st.lock = next.catch(() => undefined);
  return next;
}

async function issueWith(dir: string, o: IssueOptions): Promise<TestCert> {
  const alg = o.keyAlgorithm ?? 'ECDSA-P256';
  const issuer = o.issuer ?? 'intermediate';
  const caDir = join(dir, issuer);
  const keyPath = join(dir, `${o.name}.key`);
  const csrPath = join(dir, `${o.name}.csr`);
  const certPath = join(dir, `${o.name}.pem`);
  const extPath = join(dir, `${o.name}.ext`);
  await genKey(keyPath, alg);
  await openssl(['req', '-new', '-config', join(caDir, 'ca.cnf'), '-utf8', '-key', keyPath, '-subj', o.subject, '-out', csrPath]);
  await writeFile(extPath, extensions(o));
  await openssl([
    'ca', '-batch', '-notext', '-utf8', '-config', join(caDir, 'ca.cnf'), '-cert', join(dir, `${issuer}.pem`),
    '-keyfile', join(dir, `${issuer}.key`), '-md', issuer === 'root' ? 'sha384' : 'sha256',
    '-startdate', o.notBefore ?? CA_START, '-enddate', o.notAfter ?? LEAF_END,
    '-extfile', extPath, '-extensions', 'ext', '-in', csrPath, '-out', certPath,
  ]);
  const chain = issuer === 'intermediate' ? [Buffer.from(new X509Certificate(await readFile(join(dir, 'intermediate.pem'))).raw)] : [];
  return loadCert(o.name, alg, certPath, keyPath, issuer, chain);
}

async function initCaDir(caDir: string): Promise<void> {
  await mkdir(join(caDir, 'newcerts'), { recursive: true });
  await writeFile(join(caDir, 'index.txt'), '');
  await writeFile(join(caDir, 'crlnumber'), '1000\n');
  await writeFile(join(caDir, 'ca.cnf'), caConfig(caDir));
}

async function buildPki(dir: string): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  await initCaDir(join(dir, 'root'));
  await initCaDir(join(dir, 'intermediate'));

  // Root: self-signed through `openssl ca -selfsign` so its validity dates are fixed too.
  const rootKey = join(dir, 'root.key');
  await genKey(rootKey, 'ECDSA-P384');
  await openssl(['req', '-new', '-config', join(dir, 'root', 'ca.cnf'), '-utf8', '-key', rootKey,
    '-subj', '/C=CN/O=Test Municipal Office/CN=Test Seal Root CA', '-out', join(dir, 'root.csr')]);
  await writeFile(join(dir, 'root.ext'),
    '[ ext ]\nbasicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n');
  await openssl(['ca', '-batch', '-notext', '-selfsign', '-config', join(dir, 'root', 'ca.cnf'), '-keyfile', rootKey,
    '-md', 'sha384', '-startdate', CA_START, '-enddate', CA_END, '-extfile', join(dir, 'root.ext'), '-extensions', 'ext',
    '-in', join(dir, 'root.csr'), '-out', join(dir, 'root.pem')]);
  const root = await loadCert('root', 'ECDSA-P384', join(dir, 'root.pem'), rootKey, 'self', []);

  const intermediate = await issueWith(dir, {
    name: 'intermediate', subject: '/C=CN/O=Test Municipal Office/CN=Test Seal Issuing CA',
    issuer: 'root', profile: 'ca', notAfter: CA_END,
  });
  const leafP256 = await issueWith(dir, { name: 'leaf-p256', subject: '/C=CN/O=Test Unit One/CN=Test Unit One Official Seal' });
  const leafRsa = await issueWith(dir, {
    name: 'leaf-rsa', subject: '/C=CN/O=Test Unit Two/CN=Test Unit Two Seal RSA', keyAlgorithm: 'RSA',
  });
  const ocsp = await issueWith(dir, { name: 'ocsp', subject: '/C=CN/O=Test Municipal Office/CN=Test OCSP Responder', profile: 'ocsp' });
  const tsa = await issueWith(dir, { name: 'tsa', subject: '/C=CN/O=Test Municipal Office/CN=Test TSA', profile: 'tsa' });

  const chainPath = join(dir, 'chain.pem');
  await writeFile(chainPath, intermediate.certPem + root.certPem);
  const pki: TestPki = { dir, root, intermediate, leafP256, leafRsa, ocsp, tsa, rootPath: root.certPath, chainPath };
  // Written last: its presence means the directory holds a complete PKI that later processes may reuse.
  await writeFile(join(dir, PKI_MARKER), JSON.stringify({ made: new Date().toISOString() }));
  internals.set(pki, { lock: Promise.resolve() });
  return pki;
}

const PKI_MARKER = 'test-pki.json';

/** Reloads a PKI that an earlier process made in `dir`. */
async function loadPki(dir: string): Promise<TestPki> {
  const inter = Buffer.from(new X509Certificate(await readFile(join(dir, 'intermediate.pem'))).raw);
  const load = (name: string, alg: TestKeyAlgorithm, issuer: TestCert['issuer']) =>
    loadCert(name, alg, join(dir, `${name}.pem`), join(dir, `${name}.key`), issuer, issuer === 'intermediate' ? [inter] : []);
  const pki: TestPki = {
    dir,
    root: await load('root', 'ECDSA-P384', 'self'),
    intermediate: await load('intermediate', 'ECDSA-P256', 'root'),
    leafP256: await load('leaf-p256', 'ECDSA-P256', 'intermediate'),
    leafRsa: await load('leaf-rsa', 'RSA', 'intermediate'),
    ocsp: await load('ocsp', 'ECDSA-P256', 'intermediate'),
    tsa: await load('tsa', 'ECDSA-P256', 'intermediate'),
    rootPath: join(dir, 'root.pem'),
    chainPath: join(dir, 'chain.pem'),
  };
  internals.set(pki, { lock: Promise.resolve() });
  return pki;
}

const pkiCache = new Map<string, Promise<TestPki>>();
let defaultDir: Promise<string> | undefined;

// Temp dirs this module makes on its own (not those a caller named) carry the owner's pid. They go when the
// process exits normally; test workers are often killed instead, so each process also sweeps away the dirs of
// owners that are gone.
const OWN_PREFIXES = ['seal-test-pki-', 'seal-nss-'];
const ownTempDirs: string[] = [];
process.once('exit', () => {
  for (const d of ownTempDirs) rmSync(d, { recursive: true, force: true });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let swept = false;
function sweepOrphans(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    if (!OWN_PREFIXES.some((p) => name.startsWith(p))) continue;
    const dir = join(tmpdir(), name);
    try {
      const pid = Number(readFileSync(join(dir, '.owner-pid'), 'utf8'));
      if (pid && pid !== process.pid && !processAlive(pid)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no owner file (being created right now, or not ours): leave it
    }
  }
}

async function ownTempDir(prefix: string): Promise<string> {
  sweepOrphans();
  const d = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(d, '.owner-pid'), String(process.pid));
  ownTempDirs.push(d);
  return d;
}

/**
 * The test PKI, made once per process in a fresh temp dir. With `dir`, a PKI already complete there (made by an
 * earlier process) is reused, else one is made there; callers sharing a `dir` across processes must serialise
 * the first call themselves (make-fixtures.ts does, with a lock).
 */
export async function makeTestPki(dir?: string): Promise<TestPki> {
  const target = dir ?? (await (defaultDir ??= ownTempDir('seal-test-pki-')));
  let p = pkiCache.get(target);
  if (!p) {
    p = existsSync(join(target, PKI_MARKER)) ? loadPki(target) : buildPki(target);
    pkiCache.set(target, p);
    p.catch(() => pkiCache.delete(target));
  }
  return p;
}

/** Issues another certificate from the test PKI (e.g. expired, wrong key usage, with OCSP/CRL URLs). */
export function issueCert(pki: TestPki, o: IssueOptions): Promise<TestCert> {
  if (existsSync(join(pki.dir, `${o.name}.pem`))) throw new Error(`a certificate named ${o.name} already exists in this PKI`);
  return serialized(pki, () => issueWith(pki.dir, o));
}

// ---------------------------------------------------------------------------------------------
// Signing with node:crypto

/** A CmsSigner for a test certificate: certificates = the certificate, then its CA chain without the root. */
export function signerFor(cert: TestCert, digest: CmsSigner['digest'] = cert.keyAlgorithm === 'ECDSA-P384' ? 'SHA-384' : 'SHA-256'): CmsSigner {
  const key = createPrivateKey(cert.keyPem);
  const hash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', SM3: 'sm3' }[digest];
  return {
    certificates: [cert.certDer, ...cert.chain],
    keyAlgorithm: cert.keyAlgorithm,
    digest,
    // ECDSA: node:crypto gives DER (r,s); RSA: PKCS#1 v1.5 by default.
    sign: async (data) => nodeSign(hash, data, key),
  };
}

// ---------------------------------------------------------------------------------------------
// RFC 3161 with `openssl ts`

function tsaConfig(pki: TestPki, work: string, policy: string): string {
  return `
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ${join(work, 'serial')}
crypto_device = builtin
signer_cert = ${pki.tsa.certPath}
certs = ${pki.intermediate.certPath}
signer_key = ${pki.tsa.keyPath}
signer_digest = sha256
default_policy = ${policy}
other_policies = 1.2.3.4.5.2
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`;
}

export const TEST_TSA_POLICY = '1.2.3.4.5.1';

async function workDir(pki: TestPki, kind: string): Promise<string> {
  await mkdir(join(pki.dir, 'work'), { recursive: true });
  return mkdtemp(join(pki.dir, 'work', `${kind}-`));
}

/** Runs `fn` in a scratch dir of its own (in os.tmpdir(), so concurrent calls never share files), removed after. */
async function withScratch<T>(kind: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `seal-pki-${kind}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A whole TimeStampResp (DER) for a TimeStampReq (DER), made by `openssl ts -reply`. */
export function opensslTsReply(pki: TestPki, queryDer: Buffer, opts: { tokenOnly?: boolean } = {}): Promise<Buffer> {
  return withScratch('ts', async (work) => {
    // A random serial per reply keeps concurrent calls independent (no shared serial file).
    await writeFile(join(work, 'serial'), randomBytes(8).toString('hex') + '\n');
    await writeFile(join(work, 'tsa.cnf'), tsaConfig(pki, work, TEST_TSA_POLICY));
    await writeFile(join(work, 'query.tsq'), queryDer);
    await openssl(['ts', '-reply', '-config', join(work, 'tsa.cnf'), '-queryfile', join(work, 'query.tsq'),
      ...(opts.tokenOnly ? ['-token_out'] : []), '-out', join(work, 'reply.der')]);
    return readFile(join(work, 'reply.der'));
  });
}

/** A Timestamper backed by `openssl ts -query` + `openssl ts -reply -token_out` with the test TSA. */
export function opensslTimestamper(pki: TestPki): Timestamper {
  return (imprint, hash) => withScratch('tsq', async (work) => {
    const alg = { 'SHA-256': '-sha256', 'SHA-384': '-sha384', 'SHA-512': '-sha512', SM3: '-sm3' }[hash];
    await openssl(['ts', '-query', '-digest', imprint.toString('hex'), alg, '-cert', '-no_nonce', '-out', join(work, 'q.tsq')]);
    return opensslTsReply(pki, await readFile(join(work, 'q.tsq')), { tokenOnly: true });
  });
}

// ---------------------------------------------------------------------------------------------
// OCSP and CRL with `openssl ocsp -index` and `openssl ca -gencrl`

export type CrlReason = 'unspecified' | 'keyCompromise' | 'CACompromise' | 'affiliationChanged' | 'superseded'
  | 'cessationOfOperation' | 'certificateHold' | 'removeFromCRL';

export interface Revocation { at: Date; reason?: CrlReason }

/** openssl index.txt time: YYMMDDHHMMSSZ */
function indexTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

function indexLine(certDer: Buffer, revoked?: Revocation): string {
  const x = new X509Certificate(certDer);
  const expiry = indexTime(new Date(x.validTo));
  const serial = x.serialNumber.toUpperCase();
  const subject = '/' + x.subject.split('\n').join('/');
  if (!revoked) return `V\t${expiry}\t\t${serial}\tunknown\t${subject}\n`;
  const rev = indexTime(revoked.at) + (revoked.reason ? `,${revoked.reason}` : '');
  return `R\t${expiry}\t${rev}\t${serial}\tunknown\t${subject}\n`;
}

function issuerName(pki: TestPki, issuerDer: Buffer): 'root' | 'intermediate' {
  if (issuerDer.equals(pki.root.certDer)) return 'root';
  if (issuerDer.equals(pki.intermediate.certDer)) return 'intermediate';
  throw new Error('opensslOcsp/opensslCrl: the issuer must be the test root or intermediate');
}

export interface OcspOptions {
  /** answer "unknown" (the certificate is not in the responder's index) */
  unknown?: boolean;
  /** validity of the response in days (nextUpdate), default 7 */
  days?: number;
  /** sign with the CA key itself instead of the delegated responder (always so for certificates the root issued) */
  signWithCa?: boolean;
}

/**
 * An OCSPResponse (DER) for `certDer` issued by `issuerDer` (the test root or intermediate): good, or revoked
 * when `revoked` is given. Certificates of the intermediate are answered by the delegated responder pki.ocsp;
 * those of the root by the root itself.
 */
export async function opensslOcsp(
  pki: TestPki, certDer: Buffer, issuerDer: Buffer, revoked?: Revocation, opts: OcspOptions = {},
): Promise<Buffer> {
  const issuer = issuerName(pki, issuerDer);
  return withScratch('ocsp', async (work) => {
    const certPath = join(work, 'cert.pem');
    await writeFile(certPath, new X509Certificate(certDer).toString());
    await writeFile(join(work, 'index.txt'), opts.unknown ? '' : indexLine(certDer, revoked));
    const issuerCert = issuer === 'root' ? pki.root : pki.intermediate;
    const responder = issuer === 'root' || opts.signWithCa ? issuerCert : pki.ocsp;
    await openssl(['ocsp', '-issuer', issuerCert.certPath, '-cert', certPath, '-no_nonce', '-reqout', join(work, 'req.der')]);
    await openssl(['ocsp', '-index', join(work, 'index.txt'), '-CA', issuerCert.certPath, '-rsigner', responder.certPath,
      '-rkey', responder.keyPath, '-rmd', 'sha256', '-ndays', String(opts.days ?? 7), '-reqin', join(work, 'req.der'),
      '-respout', join(work, 'resp.der')]);
    return readFile(join(work, 'resp.der'));
  });
}

export interface CrlOptions {
  issuer?: 'root' | 'intermediate';   // default intermediate
  revoked?: { certDer: Buffer; at: Date; reason?: CrlReason }[];
  days?: number;                      // nextUpdate, default 7
}

let crlSequence = 0;

/** A CRL (DER) from the test root or intermediate by `openssl ca -gencrl`, listing exactly `revoked`. */
export async function opensslCrl(pki: TestPki, opts: CrlOptions = {}): Promise<Buffer> {
  const issuer = opts.issuer ?? 'intermediate';
  return withScratch('crl', async (work) => {
    await writeFile(join(work, 'index.txt'), (opts.revoked ?? []).map((r) => indexLine(r.certDer, r)).join(''));
    // CRL numbers increase from call to call (time-based), as a relying party expects of successive CRLs.
    const crlNumber = (BigInt(Date.now()) * 1000n + BigInt(crlSequence++ % 1000)).toString(16);
    await writeFile(join(work, 'crlnumber'), crlNumber.padStart(crlNumber.length + (crlNumber.length % 2), '0') + '\n');
    await mkdir(join(work, 'newcerts'));
    await writeFile(join(work, 'ca.cnf'), caConfig(work));
    const ca = issuer === 'root' ? pki.root : pki.intermediate;
    await openssl(['ca', '-gencrl', '-batch', '-config', join(work, 'ca.cnf'), '-cert', ca.certPath, '-keyfile', ca.keyPath,
      '-md', issuer === 'root' ? 'sha384' : 'sha256', '-crldays', String(opts.days ?? 7), '-crlexts', 'crl_ext',
      '-out', join(work, 'crl.pem')]);
    return openssl(['crl', '-in', join(work, 'crl.pem'), '-outform', 'DER']);
  });
}

// ---------------------------------------------------------------------------------------------
// NSS databases for pdfsig

const nssCache = new Map<string, Promise<string>>();

/** A fresh NSS database (empty password) trusting `rootPem` as a CA; returns its directory (use `sql:${dir}`). */
export function nssDbTrusting(rootPem: string): Promise<string> {
  const key = createHash('sha256').update(rootPem).digest('hex');
  let p = nssCache.get(key);
  if (!p) {
    p = (async () => {
      const dir = await ownTempDir('seal-nss-');
      await run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
      await writeFile(join(dir, 'root.pem'), rootPem);
      await run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'root', '-t', 'CT,C,C', '-a', '-i', join(dir, 'root.pem')]);
      return dir;
    })();
    nssCache.set(key, p);
    p.catch(() => nssCache.delete(key));
  }
  return p;
}

/** A PKCS#12 file with the certificate, its key and the chain; returns its path. */
export async function pkcs12For(
  pki: TestPki, cert: TestCert, password: string, opts: { legacy?: boolean; withChain?: boolean } = {},
): Promise<string> {
  const work = await workDir(pki, 'p12');
  const out = join(work, `${cert.name}.p12`);
  // legacy: 3DES + SHA-1 MAC, for readers without PBES2/AES (node-forge, as @signpdf/signer-p12 uses)
  const legacy = opts.legacy ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'] : [];
  const chain = opts.withChain === false ? [] : ['-certfile', pki.chainPath];
  await openssl(['pkcs12', '-export', '-inkey', cert.keyPath, '-in', cert.certPath, ...chain,
    '-name', cert.name, ...legacy, '-out', out, '-passout', `pass:${password}`]);
  return out;
}

/** An NSS database that trusts the test root and holds `cert` with its key (nickname = cert.name), for pdfsig -add-signature. */
export async function nssDbWithSigner(pki: TestPki, cert: TestCert): Promise<{ dir: string; nick: string }> {
  const dir = await ownTempDir('seal-nss-signer-');
  await run('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  await run('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'root', '-t', 'CT,C,C', '-a', '-i', pki.rootPath]);
  const password = randomBytes(9).toString('base64url');
  const p12 = await pkcs12For(pki, cert, password);
  await run('pk12util', ['-i', p12, '-d', `sql:${dir}`, '-W', password, '-K', '']);
  return { dir, nick: cert.name };
}
