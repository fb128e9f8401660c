-- 021: a rename takes effect on its effective date (Art. 18(3)), and a deregistered unit's
-- department sub-CA is retired (issue 13).

-- The unit name a seal's certificate carries (O): a rename returns the seals that name the old one.
ALTER TABLE seals ADD COLUMN unit_name text;
UPDATE seals SET unit_name = (SELECT name FROM units WHERE units.id = seals.unit_id);
ALTER TABLE seals ALTER COLUMN unit_name SET NOT NULL;
-- A department seal names its department (OU).
ALTER TABLE seals ADD COLUMN department text;

-- Set once, by whichever instance's scheduled job returned the old seals on the effective date.
ALTER TABLE unit_renames ADD COLUMN seals_retired_at timestamptz;
UPDATE unit_renames SET seals_retired_at = created_at;
CREATE INDEX unit_renames_pending ON unit_renames (effective_date) WHERE seals_retired_at IS NULL;

-- A department sub-CA that was revoked (rename, deregistration) and whose key must be destroyed.
ALTER TABLE ca_authorities ADD COLUMN retired_at timestamptz;
ALTER TABLE ca_authorities ADD COLUMN key_destroy_due boolean NOT NULL DEFAULT false;
