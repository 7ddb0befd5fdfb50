-- Stable stories. story_clusters groups syndicated copies anew each run (its cluster_id is the
-- group's smallest page_id, so it changes when an earlier page joins); a story_id outlives runs:
-- every clusterable article belongs to exactly one story (a story of one until a copy appears),
-- a page joining a story keeps the story's id, two stories merged keep the older id (the
-- younger is recorded in story_merges), and a re-run over an unchanged corpus changes no id.
CREATE TABLE IF NOT EXISTS stories (
    story_id          VARCHAR PRIMARY KEY,
    status            VARCHAR NOT NULL,  -- active | merged (see story_merges) | gone (no member left)
    canonical_page_id VARCHAR,           -- earliest published member, then longest body
    members           INTEGER NOT NULL,
    sites             INTEGER NOT NULL,
    created_seq       BIGINT NOT NULL,   -- creation order: the older of two merged stories wins
    created_run_id    VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_run_id    VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS story_members (
    page_id      VARCHAR PRIMARY KEY,
    story_id     VARCHAR NOT NULL,
    since_run_id VARCHAR NOT NULL,       -- the run that put the page in this story
    since        TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS story_merges (
    story_id    VARCHAR NOT NULL,        -- the retired (younger) id
    merged_into VARCHAR NOT NULL,        -- the id that lives on
    pages       INTEGER NOT NULL,        -- members the retired story brought
    run_id      VARCHAR NOT NULL,
    merged_at   TIMESTAMP NOT NULL
);
-- Candidate pairs (from shared LSH band buckets) and what verification said, keyed by both
-- bodies' hashes: a night verifies only the pairs a new or changed body brings.
CREATE TABLE IF NOT EXISTS story_pairs (
    page_a      VARCHAR NOT NULL,
    page_b      VARCHAR NOT NULL,
    hash_a      UBIGINT NOT NULL,
    hash_b      UBIGINT NOT NULL,
    jaccard     DOUBLE,                  -- exact, on word 5-gram shingles
    containment DOUBLE,                  -- of the smaller shingle set in the larger
    distinctive DOUBLE,                  -- containment of the smaller body's distinctive shingles
    linked      BOOLEAN NOT NULL
);
ALTER TABLE story_clusters ADD COLUMN story_id VARCHAR;
