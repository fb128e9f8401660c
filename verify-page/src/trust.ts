/**
 * The roots the page trusts: those built into an offline copy, the service's own (when the page is served by it),
 * and any PEM the auditor adds. Each is shown by name and SHA-256 fingerprint so an auditor can compare it with
 * the one published by the municipal office.
 */
import { fromPem } from '../../src/asn1/pem.js';
import { parseCertificate } from '../../src/verify/certificate.js';
import { digest } from '../../src/verify/signature-algorithms.js';

export type RootSource = 'built-in' | 'service' | 'added';

export interface TrustedRoot {
  der: Buffer;
  name: string;
  /** SHA-256 of the DER, hex, grouped for reading aloud. */
  fingerprint: string;
  source: RootSource;
}

/** The certificates of a PEM text, described; throws when there is none or one is not a certificate. */
export function rootsFromPem(pem: string, source: RootSource): TrustedRoot[] {
  const ders = fromPem(pem);
  if (!ders.length) throw new Error('no PEM certificate');
  return ders.map((der) => {
    const cert = parseCertificate(der);
    const hex = digest('SHA-256', der).toString('hex').toUpperCase();
    return { der, name: cert.subjectText, fingerprint: hex.match(/.{4}/g)!.join(' '), source };
  });
}

/** Adds roots not already present (same DER); returns how many were new. */
export function addRoots(list: TrustedRoot[], more: TrustedRoot[]): number {
  let added = 0;
  for (const r of more) {
    if (list.some((x) => x.der.equals(r.der))) continue;
    list.push(r);
    added++;
  }
  return added;
}

/**
 * The service's roots: /ca/root.pem, and the SM2 hierarchy's (?algorithm=SM2) where the service has one.
 * Relative to the page (served at /verify/), so a reverse proxy's prefix is kept.
 */
export async function serviceRoots(): Promise<TrustedRoot[]> {
  const out: TrustedRoot[] = [];
  for (const url of ['../ca/root.pem', '../ca/root.pem?algorithm=SM2']) {
    try {
      const res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
      if (!res.ok) continue;
      addRoots(out, rootsFromPem(await res.text(), 'service'));
    } catch { /* not served by the service, or no such hierarchy */ }
  }
  return out;
}
