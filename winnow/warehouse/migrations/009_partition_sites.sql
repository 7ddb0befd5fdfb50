-- Partition counts are kept fresh per partition and site: a (partition, site) pair whose blocks
-- changed is recounted, and only the changed sites' models are merged again, so a night with
-- new versions of a few pages from every file recounts those sites, not every file.
-- Empty on a warehouse made before: the first run recounts every pair once.
CREATE TABLE IF NOT EXISTS partition_sites (
    partition_key VARCHAR NOT NULL,
    site          VARCHAR NOT NULL,
    members_hash  BIGINT NOT NULL,   -- of the blocks counted: a different value means recount
    pages         BIGINT NOT NULL,   -- latest readable versions with blocks, counted
    counted_at    TIMESTAMP NOT NULL,
    run_id        VARCHAR NOT NULL
);
