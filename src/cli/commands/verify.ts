/**
 * `seal verify FILE.pdf --trust ROOT.pem [--trust …] [--json] [--online] [--at ISO-TIME]` — verification for auditors:
 * no database, and no network unless --online. Exit 0 only when every signature is VALID, 1 otherwise,
 * 2 for a usage error. Also the entry of the self-contained offline bundle (scripts/build-verifier.mjs).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors.js';
import { verifyJob } from '../../isolation/main-thread.js';
import { CLI_WORKER_MEMORY_MB, runOneShot, serveOneShotJob, timeoutOption } from '../../isolation/one-shot.js';
import type { WorkerScript } from '../../isolation/script-worker.js';
import type { VerificationReport } from '../../verify/types.js';

// Loaded as the command's own document worker (see runOneShot below): run the job handed over, nothing else.
serveOneShotJob();

const USAGE = `usage: seal verify FILE.pdf --trust ROOT.pem [--trust ROOT2.pem …] [--json] [--online] [--at ISO-TIME] [--timeout SECONDS]

  --trust FILE   a trust anchor (PEM, one or more certificates, or DER); at least one
  --json         print the verification report as JSON
  --online       fetch OCSP/CRL from the certificates' URLs when the document holds no revocation data
  --at TIME      validate as of this time (ISO 8601, e.g. 2045-01-01): certificates that expired before it
                 need an archive time-stamp (PAdES B-LTA) as proof of existence; default now
  --timeout S    give up on a document that takes longer than S seconds to verify (default 120): exit 1
exit status: 0 every signature VALID, 1 otherwise, 2 usage error
`;

/** DER certificates from a PEM bundle or a single DER file. */
export function certificatesFrom(data: Buffer): Buffer[] {
  const text = data.toString('latin1');
  const pems = [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)];
  const ders = pems.length ? pems.map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')) : [data];
  // Parse each once here so a wrong file is a usage error, not a verification result.
  for (const d of ders) new X509Certificate(d);
  return ders;
}

function humanReport(file: string, r: VerificationReport): string {
  const lines = [`${file}: ${r.valid ? 'VALID' : 'NOT VALID'} (${r.signatures.length} signature(s), ${r.revisions} revision(s), validated at ${r.validationTime})`];
  if (r.recovered) lines.push('  the cross-reference structure was broken and has been recovered by scanning the file');
  if (!r.signatures.length) lines.push('  no signatures found');
  r.signatures.forEach((s, i) => {
    const signer = s.signerInfo !== undefined ? `, signer ${s.signerInfo + 1}` : '';
    lines.push(`  [${i + 1}] ${s.kind} "${s.field}" (revision ${s.revision}${signer}): ${s.status}${s.status === 'VALID' ? '' : ` — ${s.reason}`}`);
    if (s.detail) lines.push(`      ${s.detail}`);
    if (s.signer) lines.push(`      signer: ${s.signer.subject} (serial ${s.signer.certificateSerial})`);
    if (s.signedAt) lines.push(`      signed at: ${s.signedAt} (${s.timeSource === 'timestamp' ? 'proven by time-stamp' : 'claimed, not proven'})`);
    if (s.level) lines.push(`      level: PAdES ${s.level}`);
    lines.push(`      covers whole document: ${s.coversWholeDocument ? 'yes' : 'no'}`);
    for (const m of s.modificationsAfter) {
      lines.push(`      later revision ${m.revision}: ${m.kind} [${m.level}] ${m.allowed ? '(allowed)' : `(NOT allowed${m.objects?.length ? `: object ${m.objects.join(', ')}` : ''})`}`);
    }
    const checks = Object.entries(s.checks).map(([k, v]) => `${k}=${v === null ? 'n/a' : v ? 'ok' : 'FAIL'}`).join(' ');
    lines.push(`      checks: ${checks}`);
  });
  return lines.join('\n') + '\n';
}

/**
 * `worker`: a one-file CommonJS build of the job runner for the document worker, which then starts from V8's code
 * cache (the offline verifier embeds one); without it the worker loads this module.
 */
export async function verifyCommand(argv: string[], options: { worker?: WorkerScript } = {}): Promise<number> {
  const t = timeoutOption(argv);
  if ('error' in t) { process.stderr.write(`seal verify: ${t.error}\n${USAGE}`); return 2; }
  const args = t.args;
  let file: string | undefined;
  const trust: string[] = [];
  let json = false;
  let online = false;
  let at: Date | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') { process.stdout.write(USAGE); return 0; }
    if (a === '--json') json = true;
    else if (a === '--online') online = true;
    else if (a === '--at' || a.startsWith('--at=')) {
      const v = a === '--at' ? args[++i] : a.slice('--at='.length);
      const t = v && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : undefined;
      if (!t || Number.isNaN(t.getTime())) { process.stderr.write(`seal verify: --at needs an ISO 8601 time, e.g. 2045-01-01T00:00:00Z\n${USAGE}`); return 2; }
      at = t;
    }
    else if (a === '--trust') {
      const v = args[++i];
      if (!v) { process.stderr.write(`seal verify: --trust needs a file\n${USAGE}`); return 2; }
      trust.push(v);
    } else if (a.startsWith('--trust=')) trust.push(a.slice('--trust='.length));
    else if (a.startsWith('-')) { process.stderr.write(`seal verify: unknown option ${a}\n${USAGE}`); return 2; }
    else if (!file) file = a;
    else { process.stderr.write(`seal verify: one file at a time\n${USAGE}`); return 2; }
  }
  if (!file || !trust.length) { process.stderr.write(USAGE); return 2; }
  const anchors: Buffer[] = [];
  for (const t of trust) {
    try {
      anchors.push(...certificatesFrom(await readFile(t)));
    } catch {
      process.stderr.write(`seal verify: ${t} is not a readable certificate file\n`);
      return 2;
    }
  }
  let pdf: Buffer;
  try {
    pdf = await readFile(file);
  } catch {
    process.stderr.write(`seal verify: cannot read ${file}\n`);
    return 2;
  }
  let report: VerificationReport;
  try {
    // In a worker of its own with the service's limits and a deadline: a hostile file ends in exit 1, never a hang.
    report = await runOneShot<VerificationReport>(import.meta.url,
      verifyJob(pdf, { trustAnchors: anchors, online: online ? { fetch: globalThis.fetch } : false, ...(at ? { now: at } : {}) }),
      { timeoutSeconds: t.timeoutSeconds, memoryMb: CLI_WORKER_MEMORY_MB }, { script: options.worker });
  } catch (e) {
    if (e instanceof AppError) {
      if (json) process.stdout.write(JSON.stringify({ valid: false, error: { type: e.type, message: e.message } }, null, 2) + '\n');
      else process.stderr.write(`seal verify: ${file}: ${e.message} (${e.type})\n`);
      return 1;
    }
    throw e;
  }
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : humanReport(file, report));
  return report.valid ? 0 : 1;
}
