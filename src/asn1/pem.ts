/** PEM (RFC 7468): base64 of DER between BEGIN/END lines, 64 characters a line. */

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Every block with `label` in a PEM text (other labels and text around them are skipped), as DER. */
export function fromPem(text: string | Uint8Array, label = 'CERTIFICATE'): Buffer[] {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...s.matchAll(re)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}
