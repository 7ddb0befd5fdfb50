-- Site health history: per run and site, figures over the articles the run wrote, so a check
-- can compare a site with its own recent runs (winnow/health.py). Small: sites x runs.
CREATE TABLE IF NOT EXISTS site_health_runs (
    run_id            VARCHAR NOT NULL,
    site              VARCHAR NOT NULL,
    measured_at       TIMESTAMP NOT NULL,
    pages             BIGINT NOT NULL,   -- articles rows written by the run for the site
    articles          BIGINT NOT NULL,   -- of which has_article
    articles_per_page DOUBLE,
    median_words      DOUBLE,            -- median n_words of the articles
    no_article_share  DOUBLE,            -- pages without an article / pages
    removed_share     DOUBLE,            -- 1 - kept body characters / the pages' block text
    PRIMARY KEY (run_id, site)
);
