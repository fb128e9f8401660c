-- 030: the SM2 hierarchy beside the ECDSA one, SM2 seals and their GB/T 38540 seal data (issue 15).

-- The SM2 hierarchy's OCSP responder and TSA, and the municipal office's seal-maker certificate
-- (制章人, signs every SESeal), are service signers like the ECDSA ones.
ALTER TABLE ca_service_signers DROP CONSTRAINT IF EXISTS ca_service_signers_role_check;
ALTER TABLE ca_service_signers ADD CONSTRAINT ca_service_signers_role_check
  CHECK (role IN ('ocsp', 'tsa', 'audit', 'sm2-ocsp', 'sm2-tsa', 'seal-maker'));

-- The key algorithm an application asks for (API.md: ECDSA-P256 or SM2); the seal's own algorithm is its key's.
ALTER TABLE seal_applications ADD COLUMN algorithm text NOT NULL DEFAULT 'ECDSA-P256' CHECK (algorithm IN ('ECDSA-P256', 'SM2'));
ALTER TABLE seals ADD COLUMN algorithm text NOT NULL DEFAULT 'ECDSA-P256' CHECK (algorithm IN ('ECDSA-P256', 'SM2'));
-- 电子印章数据 the SESeal (GB/T 38540-2020 v4) of an SM2 seal, signed by the seal maker; it stays
-- after the seal is destroyed, so documents sealed with it still verify.
ALTER TABLE seals ADD COLUMN seseal bytea;
