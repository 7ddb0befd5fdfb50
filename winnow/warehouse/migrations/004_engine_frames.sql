-- The one-parse engine: blocks keep their owning element, elements and declared metadata get
-- tables of their own, articles gain a Markdown body. Blocks of the old segmenter cannot be
-- decided by the new engine: they are dropped, so every page is segmented again.
DELETE FROM page_blocks;
ALTER TABLE page_blocks ADD COLUMN element_index INTEGER;
ALTER TABLE page_blocks ADD COLUMN link_chars INTEGER;
ALTER TABLE page_blocks ADD COLUMN links INTEGER;
CREATE TABLE page_elements (
    page_id       VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,
    element_index INTEGER NOT NULL,
    tag           VARCHAR,
    parent        INTEGER,
    depth         INTEGER,
    words         VARCHAR,           -- class, id, role and itemprop values
    first_block   INTEGER,           -- blocks [first_block, end_block) lie below the element
    end_block     INTEGER,
    images        INTEGER,
    hidden        BOOLEAN,
    run_id        VARCHAR NOT NULL,
    PRIMARY KEY (page_id, content_hash, element_index)
);
CREATE TABLE page_meta (
    page_id      VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    format       VARCHAR,
    url          VARCHAR,
    title        VARCHAR,            -- as declared (JSON-LD, OpenGraph, <title>)
    byline       VARCHAR,
    date         VARCHAR,
    language     VARCHAR,
    site_name    VARCHAR,
    date_source  VARCHAR,           -- json-ld, meta, markup, url, dateline, element or source
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (page_id, content_hash)
);
ALTER TABLE articles ADD COLUMN markdown VARCHAR;
ALTER TABLE articles ADD COLUMN blocks_kept INTEGER;
