import type { CaHandle } from './authority.js';

/**
 * A `fetch` that answers our own CA's OCSP and CRL addresses in-process and refuses everything
 * else: the service's verifier learns the current status of our certificates without a network
 * round trip, and never reaches out to an address a document names.
 */
export function inProcessCaFetch(ca: CaHandle, publicUrl: string): typeof fetch {
  const base = publicUrl.replace(/\/+$/, '');
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(base + '/')) throw new TypeError(`offline: ${url} is not this CA`);
    const path = url.slice(base.length);
    if (path === '/ocsp' && init?.method === 'POST' && init.body instanceof Uint8Array) {
      const der = await ca.ocsp(Buffer.from(init.body));
      return new Response(new Uint8Array(der), { headers: { 'content-type': 'application/ocsp-response' } });
    }
    const crl = /^\/ca\/crl\/([A-Za-z0-9_-]+)\.crl$/.exec(path);
    if (crl) {
      const der = await ca.crl(crl[1]!);
      return new Response(new Uint8Array(der), { headers: { 'content-type': 'application/pkix-crl' } });
    }
    return new Response(null, { status: 404 });
  }) as typeof fetch;
}
