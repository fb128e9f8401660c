import { extensionOf, extensionValue, readCertificate } from '../asn1/certificate.js';
import { decodeSealImageBinding, encodeSealImageBinding, type SealImageBinding } from '../asn1/seal-image-binding.js';
import { extension } from './extensions.js';
import { loadCaPolicy } from './profiles.js';

/**
 * 印章图像绑定 seal image binding, the CA's side: the extension under the OID ca/profiles.json names
 * (its ASN.1 and codec are in src/asn1/seal-image-binding.ts, shared with the verifier).
 */
export const SEAL_IMAGE_BINDING_OID = loadCaPolicy().extensions.sealImageBinding;

export { decodeSealImageBinding, encodeSealImageBinding, type SealImageBinding };

export const sealImageBindingExtension = (b: SealImageBinding) => extension(SEAL_IMAGE_BINDING_OID, false, encodeSealImageBinding(b));

/** Reads the seal image binding from a certificate; null when it has none (or the certificate is not DER). */
export function readSealImageBinding(certDer: Uint8Array): SealImageBinding | null {
  try {
    const ext = extensionOf(readCertificate(certDer).cert, SEAL_IMAGE_BINDING_OID);
    return ext ? decodeSealImageBinding(extensionValue(ext)) : null;
  } catch {
    return null;
  }
}
