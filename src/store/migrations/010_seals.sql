-- 010: units' history, seal applications, seals, operators and the audit log (issue 4).

-- Art. 18(3): every rename is recorded with its effective date; applications for the new name are due
-- within 7 working days (deadline), and a rename past its deadline without one is flagged.
CREATE TABLE unit_renames (
  id              text PRIMARY KEY,
  unit_id         text NOT NULL REFERENCES units (id),
  old_name        text NOT NULL,
  new_name        text NOT NULL,
  effective_date  date NOT NULL,
  deadline        date NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unit_renames_unit ON unit_renames (unit_id);
ALTER TABLE units ADD COLUMN deregistered_at timestamptz;

-- 印章申请 seal applications (Art. 17(1)): made by a unit administrator, decided by the municipal office.
CREATE TABLE seal_applications (
  id                  text PRIMARY KEY,
  unit_id             text NOT NULL REFERENCES units (id),
  template            text NOT NULL,
  text                text NOT NULL,
  bottom_text         text,
  physical_seal_ref   text NOT NULL,          -- the physical seal's filing number
  purpose             text NOT NULL,
  status              text NOT NULL CHECK (status IN ('applied', 'approved', 'rejected')),
  replaces_seal_id    text,                   -- Art. 17(3) replacement: the seal to be returned first
  rename_id           text REFERENCES unit_renames (id),
  applied_by          text NOT NULL REFERENCES users (id),
  applied_at          timestamptz NOT NULL,
  decided_by          text REFERENCES users (id),
  decided_at          timestamptz,
  decision_reason     text,
  seal_id             text
);
CREATE INDEX seal_applications_unit ON seal_applications (unit_id);

-- 电子印章 electronic seals. The certificate and image stay after destruction, so old documents still verify.
CREATE TABLE seals (
  id                text PRIMARY KEY,
  unit_id           text NOT NULL REFERENCES units (id),
  kind              text NOT NULL CHECK (kind IN ('unit', 'department')),
  application_id    text REFERENCES seal_applications (id),
  name              text NOT NULL,            -- the seal's name (certificate CN)
  template          text NOT NULL,
  text              text NOT NULL,
  bottom_text       text,
  status            text NOT NULL CHECK (status IN ('active', 'returned', 'destroyed')),
  key_id            text NOT NULL,
  cert_serial       text NOT NULL UNIQUE,
  certificate       bytea NOT NULL,
  issuer_ca_id      text NOT NULL,
  image_png         bytea NOT NULL,
  image_hash        bytea NOT NULL,
  width_mm          double precision NOT NULL,
  height_mm         double precision NOT NULL,
  created_by        text NOT NULL REFERENCES users (id),
  created_at        timestamptz NOT NULL,
  returned_at       timestamptz,
  return_reason     text,
  destroyed_at      timestamptz,
  destroy_reason    text
);
CREATE INDEX seals_unit ON seals (unit_id);
ALTER TABLE seal_applications ADD CONSTRAINT seal_applications_seal FOREIGN KEY (seal_id) REFERENCES seals (id);
ALTER TABLE seal_applications ADD CONSTRAINT seal_applications_replaces FOREIGN KEY (replaces_seal_id) REFERENCES seals (id);

-- Who may use which seal (a unit administrator authorises its own unit's operators).
CREATE TABLE seal_operators (
  seal_id     text NOT NULL REFERENCES seals (id),
  user_id     text NOT NULL REFERENCES users (id),
  granted_by  text NOT NULL REFERENCES users (id),
  granted_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  PRIMARY KEY (seal_id, user_id)
);

-- 用印登记 the seal usage register: append-only and hash-chained. seq has no gaps (it is not a
-- sequence, it is last + 1 under a lock), so a deleted row shows as a gap or a broken link.
CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  action       text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'refused')),
  actor_id     text,
  actor_role   text,
  on_behalf_of text,
  unit_id      text,
  seal_id      text,
  request_id   text,
  client       text,
  details      jsonb NOT NULL,
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL UNIQUE
);
CREATE INDEX audit_log_unit ON audit_log (unit_id, seq);
CREATE INDEX audit_log_seal ON audit_log (seal_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- The service itself never updates or deletes audit rows; refuse it in the database too. (Someone with
-- the rights to drop this trigger can still edit rows: the hash chain is what detects that.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
