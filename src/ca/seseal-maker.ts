import { encodeSealInfo, encodeSESeal, type SealType } from '../asn1/seseal.js';
import type { Queryable } from '../store/db.js';
import type { CaHandle } from './authority.js';

/** 厂商标识 our vendor id in every SES_Header (GB/T 38540 requires one; ours names the service). */
export const SES_VENDOR_ID = 'MUNICIPAL-ESEAL';

export interface SESealRequest {
  /** 印章编码 the seal's code: the unit's credit code and a sequence. */
  esId: string;
  type: SealType;
  name: string;
  /** The holder's certificate (DER): the seal's own certificate. */
  holderCertificate: Buffer;
  createDate: Date;
  validStart: Date;
  validEnd: Date;
  png: Buffer;
  widthMm: number;
  heightMm: number;
}

/**
 * 制作电子印章 makes the SESeal (GB/T 38540-2020 v4) of an SM2 seal: the picture with its size in
 * mm, the holder's certificate and the validity, signed by the municipal office's seal-maker key
 * (SM3withSM2) over the DER of SES_SealInfo. With `tx`, the vault is used inside that transaction.
 */
export async function makeSESeal(ca: CaHandle, req: SESealRequest, tx?: Queryable): Promise<Buffer> {
  const infoDer = encodeSealInfo({
    vendorId: SES_VENDOR_ID,
    esId: req.esId,
    type: req.type,
    name: req.name,
    holderCertificates: [req.holderCertificate],
    createDate: req.createDate,
    validStart: req.validStart,
    validEnd: req.validEnd,
    picture: { type: 'PNG', data: req.png, widthMm: req.widthMm, heightMm: req.heightMm },
  });
  const signed = await ca.signAsSealMaker(infoDer, tx);
  return encodeSESeal(infoDer, signed.certificate, signed.algorithm.oid, signed.signature);
}
