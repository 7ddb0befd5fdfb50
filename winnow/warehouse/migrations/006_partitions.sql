-- Partitions: every page version belongs to the partition that loaded it (one per WARC file,
-- one per day for fetched sources; NULL for versions loaded before partitions existed, which
-- count as the partition ''). The per-site model is learnt by merging per-partition counts of
-- block fingerprints, so a new partition costs its own blocks, not a re-read of the corpus.
ALTER TABLE pages ADD COLUMN partition_key VARCHAR;
CREATE TABLE IF NOT EXISTS partition_counts (
    partition_key VARCHAR NOT NULL,
    site          VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,  -- site | text | slot | slot_text
    key           BIGINT NOT NULL,   -- 0 | fingerprint | signature | signature
    key2          BIGINT NOT NULL,   -- 0 | 0 | 0 | fingerprint
    pages         BIGINT NOT NULL,   -- distinct pages of the partition holding it
    occurrences   BIGINT,            -- blocks holding it (text, slot)
    max_in_page   BIGINT,            -- most blocks holding it on one page (text)
    sample_text   VARCHAR            -- smallest text with this fingerprint (text)
);
CREATE TABLE IF NOT EXISTS partitions (
    partition_key VARCHAR PRIMARY KEY,
    members_hash  BIGINT NOT NULL,   -- of the blocks counted: a different value means recount
    pages         BIGINT NOT NULL,   -- latest readable versions with blocks, counted
    counted_at    TIMESTAMP NOT NULL,
    run_id        VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS warc_files (
    partition_key VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,
    bytes         BIGINT,
    records       BIGINT,           -- WARC records read
    html_pages    BIGINT,
    text_pages    BIGINT,
    skipped       VARCHAR,          -- JSON: revisits, non-HTML, non-2xx, empty, other records
    record_errors BIGINT,           -- truncated or corrupt records (a pages row each)
    seconds       DOUBLE,           -- wall time of the step that read it
    loaded_at     TIMESTAMP NOT NULL,
    run_id        VARCHAR NOT NULL
);
