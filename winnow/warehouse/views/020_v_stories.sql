-- v_stories: one row per story told by at least one article of v_articles (a story of one is
-- an article nobody else ran). story_id outlives runs (winnow/stories/ids.py): a page joining
-- keeps it, a merge keeps the older id (story_merges), an unchanged re-run changes none.
-- Canonical member: earliest published, then longest body, then smallest page_id.
CREATE OR REPLACE VIEW v_stories AS
SELECT
    story_id,
    arg_min(title, (coalesce(published_at, DATE '9999-12-31'), -coalesce(n_words, 0), page_id))
        AS canonical_title,
    arg_min(url, (coalesce(published_at, DATE '9999-12-31'), -coalesce(n_words, 0), page_id))
        AS canonical_url,
    arg_min(page_id, (coalesce(published_at, DATE '9999-12-31'), -coalesce(n_words, 0), page_id))
        AS canonical_page_id,
    count(*) AS members,
    count(DISTINCT site) AS n_sites,
    list_sort(list(DISTINCT site)) AS sites,
    min(published_at) AS first_published,
    max(published_at) AS last_published,
    min(seen_at) AS first_seen,
    max(seen_at) AS last_seen
FROM v_articles
WHERE story_id IS NOT NULL
GROUP BY story_id;
