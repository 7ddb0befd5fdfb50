-- v_fetch_errors: every failed attempt to get a page, one row each.
-- stage 'fetch': an HTTP attempt of a web source that failed (fetch_log; final = it was the
-- URL's last attempt of that run, so the page was not fetched); stage 'load': a page version
-- stored unreadable from a file, manifest or WARC source (pages.status: error, too_large,
-- timeout, not_regular, ...). site: the site of the URL's stored page, else its host.
CREATE OR REPLACE VIEW v_fetch_errors AS
WITH located AS (
    SELECT location, any_value(site) AS site FROM pages GROUP BY location
), attempts AS (
    SELECT l.*, max(l.attempt) OVER (PARTITION BY l.run_id, l.url) AS last_attempt
    FROM fetch_log l
)
SELECT
    'fetch' AS stage,
    l.fetched_at AS attempted_at,
    CAST(l.fetched_at AS DATE) AS day,
    coalesce(s.site, regexp_extract(l.url, '^[A-Za-z]+://(?:www\.)?([^/:?#]+)', 1)) AS site,
    l.url,
    l.kind,
    l.attempt,
    l.attempt = l.last_attempt AS final,
    l.status AS http_status,
    coalesce(l.error_class, 'HTTP ' || l.status) AS error_class,
    l.error,
    l.run_id
FROM attempts l LEFT JOIN located s ON s.location = l.url
WHERE l.outcome = 'error'
UNION ALL
SELECT
    'load',
    p.loaded_at,
    CAST(p.loaded_at AS DATE),
    p.site,
    coalesce(p.url, p.location),
    'page',
    1,
    true,
    p.http_status,
    p.status,
    p.error,
    p.run_id
FROM pages p
WHERE p.status <> 'ok'
    AND NOT EXISTS (SELECT 1 FROM fetch_log l WHERE l.url = p.location AND l.run_id = p.run_id);
