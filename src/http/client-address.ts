import { BlockList, isIP } from 'node:net';

/**
 * Who the client is, by address: the socket's peer, unless that peer is one of the proxies named in
 * SEAL_TRUST_PROXY (addresses or CIDR subnets); only then is X-Forwarded-For read, from the right,
 * past every trusted proxy, to the first address that is not one. Anything in the header that is not
 * an IP address ends the walk at the proxy that passed it on: the result is always an address (it is
 * written to the audit log and used as a rate-limit key). Used by the Express app (req.ip) and by the
 * PKI front alike, so both count and record the same client.
 */
export interface ClientAddresses {
  trusted(address: string): boolean;
  of(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string;
}

export function clientAddresses(trustProxy: readonly string[]): ClientAddresses {
  const list = new BlockList();
  for (const entry of trustProxy) {
    const [addr, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  const trusted = (address: string) => {
    const a = plain(address);
    const family = isIP(a);
    return trustProxy.length > 0 && family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
  return {
    trusted,
    of(socketAddress, forwardedFor) {
      let client = plain(socketAddress ?? 'unknown');
      if (!trusted(client) || forwardedFor === undefined) return client;
      const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => plain(h.trim()));
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i]!;
        if (isIP(hop) === 0) return client;
        client = hop;
        if (!trusted(hop)) return hop;
      }
      return client;
    },
  };
}

/** '::ffff:10.0.0.1' (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
const plain = (address: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address);
