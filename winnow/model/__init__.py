"""The per-site boilerplate model, learnt across the pages of each site."""

from winnow.model.site import (
    BLOCK_SCHEMA,
    BOILERPLATE_SCHEMA,
    EMPTY_MODEL,
    MIN_SITE_PAGES,
    SiteModel,
    learn,
    min_pages,
    site_models,
)

__all__ = [
    "BLOCK_SCHEMA",
    "BOILERPLATE_SCHEMA",
    "EMPTY_MODEL",
    "MIN_SITE_PAGES",
    "SiteModel",
    "learn",
    "min_pages",
    "site_models",
]
