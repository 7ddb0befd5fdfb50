-- A page's key includes its source: manifest page ids become '<source>/<id>' (files and WARC
-- pages were keyed so already; web pages keep their URL, where location = page_id). Rows of
-- every table keyed by page are re-keyed in place, so nothing is re-read or re-extracted;
-- story clusters are recomputed by the next run. A page id repeated within a source is stored
-- as '<key>#N' with duplicate_of naming the first.
ALTER TABLE pages ADD COLUMN duplicate_of VARCHAR;
CREATE TEMP TABLE rekeyed AS
    SELECT DISTINCT page_id AS old_id, content_hash, source || '/' || page_id AS new_id
    FROM pages
    WHERE NOT starts_with(page_id, source || '/') AND location <> page_id;
UPDATE page_blocks t SET page_id = r.new_id FROM rekeyed r
    WHERE t.page_id = r.old_id AND t.content_hash = r.content_hash;
UPDATE page_elements t SET page_id = r.new_id FROM rekeyed r
    WHERE t.page_id = r.old_id AND t.content_hash = r.content_hash;
UPDATE page_meta t SET page_id = r.new_id FROM rekeyed r
    WHERE t.page_id = r.old_id AND t.content_hash = r.content_hash;
UPDATE articles SET page_id = source || '/' || page_id
    WHERE NOT starts_with(page_id, source || '/') AND location <> page_id;
UPDATE pages SET page_id = source || '/' || page_id
    WHERE NOT starts_with(page_id, source || '/') AND location <> page_id;
DELETE FROM story_clusters;
DELETE FROM stage_marks WHERE stage = 'story_clusters';  -- no publish before they are
DROP TABLE rekeyed;
