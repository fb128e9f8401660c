/**
 * 电子印章数据 SESeal and 电子签章数据 SES_Signature of GB/T 38540-2020 (version 4), built and read
 * with asn1js like every other structure here (docs/architecture/asn1-and-algorithms.md).
 *
 *   SESeal ::= SEQUENCE {
 *     eSealInfo   SES_SealInfo,
 *     cert        OCTET STRING,            -- the seal maker's certificate (制章人证书), DER
 *     signAlgID   OBJECT IDENTIFIER,       -- 1.2.156.10197.1.501 SM3withSM2
 *     signedValue BIT STRING }             -- the maker's signature over DER(eSealInfo)
 *   SES_SealInfo ::= SEQUENCE {
 *     header   SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String },
 *     esID     IA5String,                  -- the seal's code
 *     property SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER (1),
 *                         certList SEQUENCE OF OCTET STRING,   -- the holders' certificates
 *                         createDate, validStart, validEnd GeneralizedTime },
 *     picture  SEQUENCE { type IA5String ("PNG"), data OCTET STRING, width INTEGER, height INTEGER },  -- mm
 *     extDatas ExtensionDatas OPTIONAL }
 *   TBS_Sign ::= SEQUENCE {
 *     version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
 *     dataHash BIT STRING,                 -- SM3 of the signed data (here: the PDF's ByteRange bytes)
 *     propertyInfo IA5String,              -- what was signed (here: the ByteRange)
 *     extDatas [0] ExtensionDatas OPTIONAL }
 *   SES_Signature ::= SEQUENCE {
 *     toSign TBS_Sign, cert OCTET STRING (the signer's), signatureAlgID OBJECT IDENTIFIER,
 *     signature BIT STRING (over DER(toSign)), timeStamp [0] EXPLICIT BIT STRING OPTIONAL }  -- RFC 3161 token over the signature
 *
 * Received structures keep their bytes: the SESeal inside an SES_Signature and the TBS_Sign are
 * signed as received, so readers return them as they came (partBytes), never re-encoded.
 */
import * as asn1js from 'asn1js';
import { Asn1Error, buf, decode, DOCUMENT_OBJECT_LIMITS, encode, ownEncoding, partBytes, type DecodeLimits } from './der.js';
import { generalizedTime, smallInteger } from './values.js';

export const SES_VERSION = 4;

/** 印章类型 (GB/T 38540 property.type): 1 an organisation's seal (单位印章), 2 a person's. */
export type SealType = 1 | 2;

export interface SealInfo {
  /** 厂商标识 the vendor id in the header. */
  vendorId: string;
  /** 印章编码 esID. */
  esId: string;
  type: SealType;
  name: string;
  /** DER certificates of the holders (certListType 1: certificates themselves). */
  holderCertificates: Buffer[];
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  picture: { type: string; data: Buffer; widthMm: number; heightMm: number };
}

export interface SESeal {
  info: SealInfo;
  /** The DER of eSealInfo as it is (signed over). */
  infoDer: Buffer;
  makerCertificate: Buffer;
  signAlgId: string;
  signedValue: Buffer;
  /** The SESeal's own DER, as received or encoded. */
  der: Buffer;
}

export interface SESSignature {
  version: number;
  eseal: SESeal;
  timeInfo: Date;
  dataHash: Buffer;
  propertyInfo: string;
  /** DER of TBS_Sign as received: what `signature` is over. */
  toSignDer: Buffer;
  signerCertificate: Buffer;
  signatureAlgId: string;
  signature: Buffer;
  /** The RFC 3161 TimeStampToken (ContentInfo DER) over the signature value, when present. */
  timeStamp?: Buffer;
  der: Buffer;
}

const ia5 = (value: string) => new asn1js.IA5String({ value });
const int = (value: number) => new asn1js.Integer({ value });
const octets = (b: Uint8Array) => new asn1js.OctetString({ valueHex: b });
const bits = (b: Uint8Array) => new asn1js.BitString({ valueHex: b });
const gtime = (d: Date) => generalizedTime(new Date(Math.floor(d.getTime() / 1000) * 1000));

/** DER of SES_SealInfo: what the seal maker signs. */
export function encodeSealInfo(i: SealInfo): Buffer {
  if (!/^[\x20-\x7e]+$/.test(i.esId) || !/^[\x20-\x7e]+$/.test(i.vendorId)) throw new RangeError('esID and the vendor id are IA5 (printable ASCII)');
  return encode(
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [ia5('ES'), int(SES_VERSION), ia5(i.vendorId)] }),
        ia5(i.esId),
        new asn1js.Sequence({
          value: [
            int(i.type),
            new asn1js.Utf8String({ value: i.name }),
            int(1),
            new asn1js.Sequence({ value: i.holderCertificates.map(octets) }),
            gtime(i.createDate),
            gtime(i.validStart),
            gtime(i.validEnd),
          ],
        }),
        new asn1js.Sequence({ value: [ia5(i.picture.type), octets(i.picture.data), int(Math.round(i.picture.widthMm)), int(Math.round(i.picture.heightMm))] }),
      ],
    }),
  );
}

/** SESeal from the encoded eSealInfo and the maker's signature over exactly those bytes. */
export function encodeSESeal(infoDer: Uint8Array, makerCertificate: Uint8Array, signAlgId: string, signedValue: Uint8Array): Buffer {
  return encode(
    new asn1js.Sequence({
      value: [ownEncoding(infoDer), octets(makerCertificate), new asn1js.ObjectIdentifier({ value: signAlgId }), bits(signedValue)],
    }),
  );
}

/** DER of TBS_Sign (version 4): what the signer signs. The SESeal is written as it was made. */
export function encodeTbsSign(t: { eseal: Uint8Array; timeInfo: Date; dataHash: Uint8Array; propertyInfo: string }): Buffer {
  return encode(
    new asn1js.Sequence({
      value: [int(SES_VERSION), ownEncoding(t.eseal), gtime(t.timeInfo), bits(t.dataHash), ia5(t.propertyInfo)],
    }),
  );
}

/** SES_Signature around an encoded TBS_Sign, its signature and (optionally) a time-stamp token over that signature. */
export function encodeSESSignature(toSign: Uint8Array, signerCertificate: Uint8Array, signatureAlgId: string, signature: Uint8Array, timeStamp?: Uint8Array): Buffer {
  return encode(
    new asn1js.Sequence({
      value: [
        ownEncoding(toSign),
        octets(signerCertificate),
        new asn1js.ObjectIdentifier({ value: signatureAlgId }),
        bits(signature),
        ...(timeStamp ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [bits(timeStamp)] })] : []),
      ],
    }),
  );
}

// ---- reading (untrusted input: bounded, every field checked) ---------------------------------

const fail = (what: string): never => {
  throw new Asn1Error(`SES: ${what}`);
};
function items(b: asn1js.AsnType | undefined, what: string, min: number, max: number): asn1js.AsnType[] {
  if (!(b instanceof asn1js.Sequence)) return fail(`${what} is not a SEQUENCE`);
  const v = b.valueBlock.value as asn1js.AsnType[];
  if (v.length < min || v.length > max) fail(`${what} has ${v.length} elements`);
  return v;
}
const str = (b: asn1js.AsnType | undefined, T: typeof asn1js.IA5String | typeof asn1js.Utf8String, what: string): string =>
  b instanceof T ? b.valueBlock.value : fail(`${what} is not a ${T.name}`);
const num = (b: asn1js.AsnType | undefined, what: string): number => {
  const n = b instanceof asn1js.Integer ? smallInteger(b) : undefined;
  return n === undefined ? fail(`${what} is not a small INTEGER`) : n;
};
const oct = (b: asn1js.AsnType | undefined, what: string): Buffer =>
  b instanceof asn1js.OctetString && !b.idBlock.isConstructed ? buf(b.valueBlock.valueHexView) : fail(`${what} is not an OCTET STRING`);
const bitBytes = (b: asn1js.AsnType | undefined, what: string): Buffer => {
  if (!(b instanceof asn1js.BitString) || b.idBlock.isConstructed || b.valueBlock.unusedBits !== 0) return fail(`${what} is not a whole-octet BIT STRING`);
  return buf(b.valueBlock.valueHexView);
};
const oid = (b: asn1js.AsnType | undefined, what: string): string => (b instanceof asn1js.ObjectIdentifier ? b.valueBlock.toString() : fail(`${what} is not an OID`));
const time = (b: asn1js.AsnType | undefined, what: string): Date => {
  if (!(b instanceof asn1js.GeneralizedTime)) return fail(`${what} is not a GeneralizedTime`);
  const d = b.toDate();
  return Number.isNaN(d.getTime()) ? fail(`${what} is not a valid time`) : d;
};

function readSealInfo(block: asn1js.AsnType): SealInfo {
  const [header, esId, property, picture] = items(block, 'SES_SealInfo', 4, 5);
  const [id, version, vid] = items(header, 'SES_Header', 3, 3);
  if (str(id, asn1js.IA5String, 'header ID') !== 'ES') fail('header ID is not "ES"');
  if (num(version, 'header version') !== SES_VERSION) fail(`version is not ${SES_VERSION} (GB/T 38540-2020)`);
  const p = items(property, 'SES_ESPropertyInfo', 7, 7);
  if (num(p[2], 'certListType') !== 1) fail('certListType is not 1 (certificates)');
  const type = num(p[0], 'seal type');
  if (type !== 1 && type !== 2) fail('seal type is neither 1 nor 2');
  const pic = items(picture, 'SES_ESPictrueInfo', 4, 4);
  return {
    vendorId: str(vid, asn1js.IA5String, 'Vid'),
    esId: str(esId, asn1js.IA5String, 'esID'),
    type: type as SealType,
    name: str(p[1], asn1js.Utf8String, 'seal name'),
    holderCertificates: items(p[3], 'certList', 1, 64).map((c, i) => oct(c, `certList[${i}]`)),
    createDate: time(p[4], 'createDate'),
    validStart: time(p[5], 'validStart'),
    validEnd: time(p[6], 'validEnd'),
    picture: { type: str(pic[0], asn1js.IA5String, 'picture type'), data: oct(pic[1], 'picture data'), widthMm: num(pic[2], 'picture width'), heightMm: num(pic[3], 'picture height') },
  };
}

function readSESealBlock(block: asn1js.AsnType): SESeal {
  const [info, cert, alg, value] = items(block, 'SESeal', 4, 4);
  return {
    info: readSealInfo(info!),
    infoDer: partBytes(info!),
    makerCertificate: oct(cert, 'maker cert'),
    signAlgId: oid(alg, 'signAlgID'),
    signedValue: bitBytes(value, 'signedValue'),
    der: partBytes(block),
  };
}

/** Reads an SESeal (GB/T 38540-2020) from untrusted DER; throws Asn1Error when it is not one. */
export function readSESeal(der: Uint8Array, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): SESeal {
  return readSESealBlock(decode(der, 'SESeal', limits));
}

/** Reads an SES_Signature (v4) from untrusted DER (a PDF /Contents without its padding). */
export function readSESSignature(der: Uint8Array, limits: DecodeLimits = DOCUMENT_OBJECT_LIMITS): SESSignature {
  const block = decode(der, 'SES_Signature', limits);
  const [toSign, cert, alg, signature, ts] = items(block, 'SES_Signature', 4, 5);
  const [version, eseal, timeInfo, dataHash, propertyInfo] = items(toSign, 'TBS_Sign', 5, 6);
  let timeStamp: Buffer | undefined;
  if (ts) {
    if (ts.idBlock.tagClass !== 3 || ts.idBlock.tagNumber !== 0 || !(ts instanceof asn1js.Constructed)) fail('timeStamp is not [0]');
    const inner = (ts as asn1js.Constructed).valueBlock.value;
    if (inner.length !== 1) fail('timeStamp [0] holds more than one element');
    timeStamp = bitBytes(inner[0], 'timeStamp');
  }
  const v = num(version, 'TBS_Sign version');
  if (v !== SES_VERSION) fail(`TBS_Sign version is ${v}, not ${SES_VERSION}`);
  return {
    version: v,
    eseal: readSESealBlock(eseal!),
    timeInfo: time(timeInfo, 'timeInfo'),
    dataHash: bitBytes(dataHash, 'dataHash'),
    propertyInfo: str(propertyInfo, asn1js.IA5String, 'propertyInfo'),
    toSignDer: partBytes(toSign!),
    signerCertificate: oct(cert, 'signer cert'),
    signatureAlgId: oid(alg, 'signatureAlgID'),
    signature: bitBytes(signature, 'signature'),
    ...(timeStamp ? { timeStamp } : {}),
    der: partBytes(block),
  };
}
