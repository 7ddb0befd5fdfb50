-- What the crawler knows per URL (for conditional refresh) and every fetch attempt it made.
CREATE TABLE IF NOT EXISTS fetch_state (
    url           VARCHAR PRIMARY KEY,  -- the normalised URL a source named (= pages.page_id)
    source        VARCHAR,
    final_url     VARCHAR,              -- after redirects
    etag          VARCHAR,
    last_modified VARCHAR,              -- the Last-Modified header, as sent
    content_hash  VARCHAR,              -- sha256 of the page version last stored
    status        INTEGER,
    fetched_at    TIMESTAMP NOT NULL,
    run_id        VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS fetch_log (
    run_id      VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,       -- as requested
    final_url   VARCHAR,                -- after redirects
    kind        VARCHAR NOT NULL,       -- page | sitemap | feed | robots
    attempt     INTEGER NOT NULL,       -- 1, then each retry
    status      INTEGER,                -- HTTP status, NULL when no response
    outcome     VARCHAR NOT NULL,       -- ok | not_modified | error
    error_class VARCHAR,                -- HTTPStatus, ReadTimeout, PrivateAddress, ...
    error       VARCHAR,
    bytes       BIGINT,                 -- on the wire (compressed)
    elapsed_ms  DOUBLE,
    fetched_at  TIMESTAMP NOT NULL
);
