-- The crawl frontier: every URL a crawl queued, and whether it was fetched and stored. A crawl
-- that ends deletes its rows; rows left behind are a crawl that was killed, and the next run
-- resumes it (queued URLs fetched even if their feed dropped them, done URLs not refetched).
CREATE TABLE IF NOT EXISTS crawl_frontier (
    url         VARCHAR NOT NULL,   -- the normalised URL (= the page's id in its source)
    source      VARCHAR NOT NULL,
    site        VARCHAR,            -- the source's site override, if any
    queued_at   TIMESTAMP NOT NULL,
    run_id      VARCHAR NOT NULL,   -- the run that queued it
    done        BOOLEAN NOT NULL    -- fetched and stored (ok, unchanged, 304 or failed)
);
