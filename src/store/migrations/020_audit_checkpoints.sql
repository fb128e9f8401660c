-- 020: the audit log is anchored (issue 13). At intervals a checkpoint records the log's head (seq
-- and hash), an RFC 3161 time-stamp over it from our TSA and a signature by the audit key; it lives
-- in its own append-only table, so a TRUNCATE or a rewrite of the log shows against it. Checkpoints
-- are chained too (prev_hash), and numbered without gaps, so a removed checkpoint shows.
CREATE TABLE audit_checkpoints (
  id               bigint PRIMARY KEY CHECK (id > 0),
  at               timestamptz NOT NULL,
  head_seq         bigint NOT NULL,
  head_hash        bytea NOT NULL,
  prev_hash        bytea NOT NULL,
  hash             bytea NOT NULL UNIQUE,      -- SHA-256 of the canonical checkpoint body
  signature        bytea NOT NULL,             -- by the audit key, over the canonical body
  certificates     jsonb NOT NULL,             -- base64 DER: the audit signer's certificate, then its issuer
  timestamp_token  bytea NOT NULL              -- RFC 3161 TimeStampToken over `hash`
);

-- One refusal for every table that only grows.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
-- Row triggers do not see TRUNCATE; statement triggers do.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The audit signer is a service signer beside the OCSP responder and the TSA.
ALTER TABLE ca_service_signers DROP CONSTRAINT IF EXISTS ca_service_signers_role_check;
ALTER TABLE ca_service_signers ADD CONSTRAINT ca_service_signers_role_check CHECK (role IN ('ocsp', 'tsa', 'audit'));
