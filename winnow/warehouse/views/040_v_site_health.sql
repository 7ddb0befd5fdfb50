-- v_site_health: per site and day (the day each page's current version was fetched, else
-- loaded), how extraction went: a template change shows as a day whose articles fall, whose
-- empty-article share or boilerplate share jumps, or whose median words collapse.
--   pages                 current page versions of that day (readable or not)
--   articles              of them, pages with an article
--   empty_article_share   readable pages without an article / readable pages
--   median_words          median words of the articles
--   boilerplate_share     1 - article text / page text, over readable pages (characters)
--   fetch_errors          URLs whose fetch failed for good that day, and pages stored unreadable
--                         (v_fetch_errors, final attempts)
CREATE OR REPLACE VIEW v_site_health AS
WITH page_text AS (
    SELECT page_id, content_hash, sum(n_chars) AS chars FROM page_blocks GROUP BY ALL
), days AS (
    SELECT
        p.site,
        CAST(coalesce(p.fetched_at, p.loaded_at) AS DATE) AS day,
        count(*) AS pages,
        count(*) FILTER (WHERE a.has_article) AS articles,
        count(*) FILTER (WHERE p.status = 'ok') AS readable,
        count(*) FILTER (WHERE p.status = 'ok' AND NOT coalesce(a.has_article, false)) AS empty,
        median(a.n_words) FILTER (WHERE a.has_article) AS median_words,
        sum(length(a.body)) FILTER (WHERE p.status = 'ok') AS article_chars,
        sum(t.chars) FILTER (WHERE p.status = 'ok') AS page_chars
    FROM latest_pages p
    LEFT JOIN articles a USING (page_id, content_hash)
    LEFT JOIN page_text t USING (page_id, content_hash)
    GROUP BY ALL
), errors AS (
    SELECT site, day, count(DISTINCT url) AS fetch_errors FROM v_fetch_errors
    WHERE final GROUP BY ALL
)
SELECT
    coalesce(d.site, e.site) AS site,
    coalesce(d.day, e.day) AS day,
    coalesce(d.pages, 0) AS pages,
    coalesce(d.articles, 0) AS articles,
    round(d.empty / nullif(d.readable, 0), 4) AS empty_article_share,
    d.median_words,
    round(greatest(0, 1 - d.article_chars / nullif(d.page_chars, 0)), 4) AS boilerplate_share,
    coalesce(e.fetch_errors, 0) AS fetch_errors
FROM days d FULL JOIN errors e ON e.site = d.site AND e.day = d.day;
