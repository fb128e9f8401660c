-- 040: indexes for the lists (issue 17): newest first by creation time, and the register looked up
-- by a document's SHA-256 (the PDF as sent or as given back) and by action. The hash indexes are whole,
-- not partial: with partial ones the planner could not estimate the OR of the three and walked the
-- whole register backwards (200k entries: 193 ms against 0.1 ms with these, PostgreSQL 15).
CREATE INDEX units_created ON units (created_at DESC, id DESC);
CREATE INDEX users_created ON users (created_at DESC, id DESC);
CREATE INDEX seal_applications_applied ON seal_applications (applied_at DESC, id DESC);
CREATE INDEX seals_created ON seals (created_at DESC, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_document ON audit_log ((details->>'documentSha256'));
CREATE INDEX audit_log_sealed ON audit_log ((details->>'sealedSha256'));
CREATE INDEX audit_log_extended ON audit_log ((details->>'extendedSha256'));
