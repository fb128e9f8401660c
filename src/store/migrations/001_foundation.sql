-- Units (机关单位), users and their API tokens. Later migrations extend these tables.
CREATE TABLE units (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  code        text NOT NULL,                -- unified social credit code (统一社会信用代码), 18 characters
  aliases     jsonb NOT NULL DEFAULT '[]',  -- other external names (Art. 17(2))
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deregistered')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX units_code_active ON units (code) WHERE status = 'active';

CREATE TABLE users (
  id           text PRIMARY KEY,
  unit_id      text REFERENCES units (id),  -- NULL for the municipal roles
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('municipal-admin', 'unit-admin', 'operator', 'auditor', 'platform')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  disabled_at  timestamptz,
  CHECK ((role IN ('unit-admin', 'operator')) = (unit_id IS NOT NULL))
);
CREATE INDEX users_unit ON users (unit_id);

-- Only the SHA-256 of a token is stored; the token itself is shown once and never kept.
CREATE TABLE api_tokens (
  token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id     text NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
