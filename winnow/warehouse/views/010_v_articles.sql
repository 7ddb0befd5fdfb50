-- v_articles: one row per URL, the article of its latest readable version.
-- A URL two sources both hold (a manifest copy and a crawl) counts once: the version seen last
-- (fetched, else loaded) wins. Section fronts and pages without an article are left out
-- (has_article), as are versions that could not be read. story_id: see v_stories.
-- Lineage: page_id -> pages (same content_hash) -> source, location (file or URL), WARC record.
CREATE OR REPLACE VIEW v_articles AS
SELECT
    a.url,
    a.site,
    a.title,
    a.byline,
    a.published_at,
    a.language,
    a.n_words,
    m.story_id,
    a.page_id,
    a.source,
    a.location,
    a.content_hash,
    coalesce(p.fetched_at, p.loaded_at) AS seen_at,
    p.warc_file,
    p.warc_offset,
    p.warc_record_id,
    a.extractor_version,
    a.model_hash,
    a.run_id,
    a.extracted_at,
    a.body,
    a.markdown
FROM articles a
JOIN pages p USING (page_id, content_hash)
LEFT JOIN story_members m USING (page_id)
WHERE a.has_article AND p.status = 'ok'
QUALIFY row_number() OVER (
    PARTITION BY coalesce(a.url, a.page_id)
    ORDER BY coalesce(p.fetched_at, p.loaded_at) DESC, a.page_id
) = 1;
