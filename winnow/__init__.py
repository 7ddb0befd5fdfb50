"""Winnow: crawled news pages to clean articles, with per-site boilerplate learnt across pages."""

__version__ = "0.1.0"

#: Bumped whenever extraction output can change for the same input; stored on every article.
EXTRACTOR_VERSION = f"winnow-{__version__}+trafilatura"
