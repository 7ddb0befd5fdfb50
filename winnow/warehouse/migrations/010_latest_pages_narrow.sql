-- latest_pages picks each page's latest version with a window over the key columns only, then
-- joins the winning (page_id, content_hash) back to pages. The view of 001 ran the window over
-- every column, raw HTML included, so any query on it (a check counting pages) held the whole
-- corpus' HTML in DuckDB's memory: at 20,000 pages it failed under a 512 MB cap. Same rows.
CREATE OR REPLACE VIEW latest_pages AS
    SELECT p.* FROM pages p
    JOIN (
        SELECT page_id, content_hash FROM (
            SELECT page_id, content_hash, row_number() OVER (
                PARTITION BY page_id
                ORDER BY status = 'ok' DESC, loaded_at DESC, content_hash DESC) AS rn
            FROM pages)
        WHERE rn = 1
    ) latest USING (page_id, content_hash);
