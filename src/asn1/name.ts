/**
 * Building a distinguished name as a sequence of single-valued RDNs. pkijs's RelativeDistinguishedNames,
 * built from attributes, would put them all into one multi-valued RDN; so the Name is assembled here
 * and handed to pkijs as parsed DER, which it then keeps and re-emits unchanged.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodeAs, encode } from './der.js';

export interface NameAttribute {
  oid: string;
  value: string;
  /** PrintableString (countryName, serialNumber) or UTF8String (DirectoryString, RFC 5280 4.1.2.4). */
  string: 'printable' | 'utf8';
}

export function encodeName(attributes: readonly NameAttribute[]): pkijs.RelativeDistinguishedNames {
  const rdns = attributes.map(
    (a) =>
      new asn1js.Set({
        value: [
          new pkijs.AttributeTypeAndValue({
            type: a.oid,
            value: a.string === 'printable' ? new asn1js.PrintableString({ value: a.value }) : new asn1js.Utf8String({ value: a.value }),
          }).toSchema(),
        ],
      }),
  );
  return decodeAs(pkijs.RelativeDistinguishedNames, encode(new asn1js.Sequence({ value: rdns })), 'Name');
}

/** A Name exactly as received (e.g. an issuer's subject), for embedding unchanged. */
export const nameFromDer = (der: Uint8Array): pkijs.RelativeDistinguishedNames => decodeAs(pkijs.RelativeDistinguishedNames, der, 'Name');
