-- Story sketches: the MinHash of every article body (NULL when the body is too short to be
-- clustered) keyed by page and body hash, with its LSH band keys, so story clustering sketches
-- only new or changed bodies and finds candidate pairs with a group-by over band keys.
-- Empty on a warehouse made before: the first run sketches every body once.
CREATE TABLE IF NOT EXISTS story_sketches (
    page_id   VARCHAR NOT NULL,
    body_hash UBIGINT NOT NULL,  -- hash(articles.body) the sketch was made from
    minhash   BLOB               -- datasketch hash values (NUM_PERM of them); NULL: too short
);
CREATE TABLE IF NOT EXISTS story_bands (
    page_id VARCHAR NOT NULL,
    band    SMALLINT NOT NULL,   -- which of the LSH bands
    bucket  BIGINT NOT NULL      -- the band's hash values, hashed to 64 bits
);
