-- 011: a seal application may carry the image extracted from a scan of the physical seal's imprint (issue 8).
-- The municipal office sees it and its quality report before approving; approval then binds this image.
ALTER TABLE seal_applications ADD COLUMN imprint_png bytea;
ALTER TABLE seal_applications ADD COLUMN imprint_hash bytea;
ALTER TABLE seal_applications ADD COLUMN imprint_width_mm double precision;
ALTER TABLE seal_applications ADD COLUMN imprint_height_mm double precision;
ALTER TABLE seal_applications ADD COLUMN imprint_report jsonb;
