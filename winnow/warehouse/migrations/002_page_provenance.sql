-- Where a page came from beyond its file or URL: the WARC record it was read from (file,
-- byte offset of the record or its gzip member, WARC-Record-ID) and what the crawl recorded
-- (HTTP status, media type, fetch time). NULL for pages read from plain files.
ALTER TABLE pages ADD COLUMN warc_file VARCHAR;
ALTER TABLE pages ADD COLUMN warc_offset BIGINT;
ALTER TABLE pages ADD COLUMN warc_record_id VARCHAR;
ALTER TABLE pages ADD COLUMN http_status SMALLINT;
ALTER TABLE pages ADD COLUMN content_type VARCHAR;
ALTER TABLE pages ADD COLUMN fetched_at TIMESTAMP;
