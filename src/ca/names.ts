import type * as pkijs from 'pkijs';
import { encodeName as encodeAttributes, type NameAttribute } from '../asn1/name.js';
import { NAME_ATTRIBUTE_OIDS, type NameAttributeType } from '../asn1/oids.js';
import { AppError } from '../errors.js';

/** A distinguished name as an ordered list of single-valued RDNs, most significant first. */
export type NameSpec = readonly (readonly [NameAttributeType, string])[];

/** Fills {unitName}, {unitCode}, {sealName} in a profile's name template. */
export function fillName(template: NameSpec, values: Record<string, string>): NameSpec {
  return template.map(([type, value]) => {
    const filled = value.replace(/\{(\w+)\}/g, (_, key: string) => {
      const v = values[key];
      if (v === undefined) throw new Error(`name template needs {${key}}`);
      return v;
    });
    return [type, filled] as const;
  });
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function attributeOf(type: NameAttributeType, value: string): NameAttribute {
  const oid = NAME_ATTRIBUTE_OIDS[type];
  // countryName and serialNumber are PrintableString (X.520); the rest DirectoryString as UTF8String (RFC 5280 4.1.2.4).
  if (type === 'C') {
    if (!/^[A-Z]{2}$/.test(value)) throw new AppError(422, 'invalid-name', 'countryName must be two capital letters.');
    return { oid, value, string: 'printable' };
  }
  if (type === 'serialNumber' && PRINTABLE.test(value)) return { oid, value, string: 'printable' };
  return { oid, value, string: 'utf8' };
}

export function encodeName(name: NameSpec): pkijs.RelativeDistinguishedNames {
  for (const [type, value] of name) {
    if (value.trim() === '' || value.length > 256) {
      throw new AppError(422, 'invalid-name', `The ${type} of a certificate subject must be 1 to 256 characters.`);
    }
  }
  return encodeAttributes(name.map(([type, value]) => attributeOf(type, value)));
}

/** RFC 4514-style display string (most significant last is the convention there; we keep our order, like openssl -nameopt oneline). */
export function nameToString(name: NameSpec): string {
  return name.map(([t, v]) => `${t}=${v.replace(/([,+"\\<>;])/g, '\\$1')}`).join(', ');
}

/**
 * Canonical comparison in the spirit of RFC 5280 7.1 and OpenSSL's canonical encoding: surrounding
 * whitespace trimmed, inner runs collapsed, ASCII case folded.
 */
const canonical = (v: string): string => v.normalize('NFC').trim().replace(/\s+/g, ' ').replace(/[A-Z]/g, (c) => c.toLowerCase());

/** True when `name` lies in the directoryName subtree `base` (base's RDNs are a prefix of name's). */
export function nameWithinSubtree(name: NameSpec, base: NameSpec): boolean {
  if (base.length > name.length) return false;
  return base.every(([t, v], i) => {
    const rdn = name[i]!;
    return rdn[0] === t && canonical(rdn[1]) === canonical(v);
  });
}
