-- Core tables and the latest_pages view.
CREATE TABLE pages (
    page_id      VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,   -- sha256 of the raw bytes; '' for a failed read
    url          VARCHAR,
    site         VARCHAR,
    source       VARCHAR NOT NULL,
    location     VARCHAR NOT NULL,   -- file path or URL the bytes came from
    format       VARCHAR NOT NULL,   -- html | txt
    bytes        BIGINT,
    encoding     VARCHAR,
    status       VARCHAR NOT NULL,   -- ok | error
    error        VARCHAR,
    raw_zlib     BLOB,               -- the page as read, zlib-compressed
    loaded_at    TIMESTAMP NOT NULL,
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (page_id, content_hash)
);
CREATE TABLE page_blocks (
    page_id      VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    block_index  INTEGER NOT NULL,
    parent_index INTEGER,
    site         VARCHAR,
    tag          VARCHAR,
    tag_path     VARCHAR,
    fingerprint  BIGINT NOT NULL,
    signature    BIGINT NOT NULL,
    text         VARCHAR,
    n_chars      INTEGER,
    link_density REAL,
    depth        SMALLINT,
    position     REAL,
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (page_id, content_hash, block_index)
);
CREATE TABLE boilerplate (
    site         VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,   -- text | slot
    key          BIGINT NOT NULL,    -- text fingerprint or slot signature
    pages        BIGINT,
    site_pages   BIGINT,
    share        DOUBLE,
    occurrences  BIGINT,
    max_in_page  BIGINT,
    threshold    BIGINT,
    sample_text  VARCHAR,
    decision     VARCHAR NOT NULL,   -- boilerplate | content
    reason       VARCHAR NOT NULL,
    run_id       VARCHAR NOT NULL,
    learned_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (site, kind, key)
);
CREATE TABLE site_models (
    site          VARCHAR PRIMARY KEY,
    site_pages    BIGINT,
    chrome_texts  BIGINT,
    chrome_slots  BIGINT,
    model_hash    BIGINT NOT NULL,
    run_id        VARCHAR NOT NULL,
    learned_at    TIMESTAMP NOT NULL
);
CREATE TABLE articles (
    page_id           VARCHAR PRIMARY KEY,
    content_hash      VARCHAR NOT NULL,
    url               VARCHAR,
    site              VARCHAR,
    source            VARCHAR,
    location          VARCHAR,
    title             VARCHAR,
    byline            VARCHAR,
    published_at      DATE,
    language          VARCHAR,
    body              VARCHAR NOT NULL,
    n_words           INTEGER,
    has_article       BOOLEAN NOT NULL,
    blocks_removed    INTEGER,
    lines_removed     INTEGER,
    model_hash        BIGINT,
    extractor_version VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    extracted_at      TIMESTAMP NOT NULL
);
CREATE TABLE story_clusters (
    page_id      VARCHAR PRIMARY KEY,
    cluster_id   VARCHAR NOT NULL,
    site         VARCHAR,
    cluster_size INTEGER NOT NULL,
    sites        INTEGER NOT NULL,
    similarity   DOUBLE,
    run_id       VARCHAR NOT NULL
);
CREATE VIEW latest_pages AS
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY page_id
            ORDER BY status = 'ok' DESC, loaded_at DESC, content_hash DESC) AS rn
        FROM pages)
    WHERE rn = 1;
