-- 002: key vault and municipal CA (issue 3).

-- 密钥库 key vault: private keys wrapped with AES-256-GCM under the KEK (SEAL_KEK), never in clear.
-- wrapped_key = ciphertext || 16-byte GCM tag, AAD = key_id. destroy() sets both to NULL.
CREATE TABLE IF NOT EXISTS vault_keys (
  key_id          text PRIMARY KEY,
  algorithm       text NOT NULL,
  purpose         text NOT NULL DEFAULT '',
  public_key_spki bytea NOT NULL,
  wrapped_key     bytea,
  wrap_iv         bytea,
  created_at      timestamptz NOT NULL DEFAULT now(),
  destroyed_at    timestamptz,
  CHECK ((wrapped_key IS NULL) = (wrap_iv IS NULL))
);

-- Every certificate any of our CAs issued (CA certificates, responder, TSA, seals).
-- serial: lower-case hex of the positive DER INTEGER; random >= 64 bits, unique by this constraint.
CREATE TABLE IF NOT EXISTS ca_certificates (
  serial            text PRIMARY KEY CHECK (serial ~ '^[0-9a-f]+$'),
  issuer_ca_id      text NOT NULL,
  profile           text NOT NULL,
  subject           text NOT NULL,
  certificate       bytea NOT NULL,
  not_before        timestamptz NOT NULL,
  not_after         timestamptz NOT NULL,
  revoked_at        timestamptz,
  revocation_reason text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ca_certificates_revoked ON ca_certificates (issuer_ca_id) WHERE revoked_at IS NOT NULL;

-- The certification authorities: root, the seal-issuing CA, one department sub-CA per unit (Art. 17(4)).
CREATE TABLE IF NOT EXISTS ca_authorities (
  ca_id        text PRIMARY KEY CHECK (ca_id ~ '^[A-Za-z0-9_-]+$'),
  kind         text NOT NULL CHECK (kind IN ('root', 'issuing', 'department')),
  parent_ca_id text REFERENCES ca_authorities (ca_id),
  key_id       text NOT NULL REFERENCES vault_keys (key_id),
  cert_serial  text NOT NULL REFERENCES ca_certificates (serial),
  certificate  bytea NOT NULL,
  unit_name    text,
  unit_code    text,
  -- bumped by every revocation under this CA, so a CRL built before it is known to be stale
  revision     bigint NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ca_authorities_unit ON ca_authorities (unit_code) WHERE unit_code IS NOT NULL;

-- Delegated signers: the OCSP responder and the time-stamping authority.
CREATE TABLE IF NOT EXISTS ca_service_signers (
  role        text PRIMARY KEY CHECK (role IN ('ocsp', 'tsa')),
  ca_id       text NOT NULL REFERENCES ca_authorities (ca_id),
  key_id      text NOT NULL REFERENCES vault_keys (key_id),
  cert_serial text NOT NULL REFERENCES ca_certificates (serial),
  certificate bytea NOT NULL
);

-- The current CRL per CA. crl_number only ever increases (shared by all instances).
CREATE TABLE IF NOT EXISTS ca_crls (
  ca_id          text PRIMARY KEY REFERENCES ca_authorities (ca_id),
  crl_number     bigint NOT NULL,            -- last number handed out
  stored_number  bigint,                     -- number of the CRL in `crl` (a slower builder never overwrites a newer one)
  built_revision bigint NOT NULL DEFAULT -1,
  this_update    timestamptz,
  next_update    timestamptz,
  crl            bytea
);

-- The TSA's serial counter and last genTime (genTime never goes backwards, even if a clock does).
CREATE TABLE IF NOT EXISTS ca_tsa_clock (
  id            integer PRIMARY KEY CHECK (id = 1),
  last_gen_time timestamptz NOT NULL,
  serial        bigint NOT NULL
);
