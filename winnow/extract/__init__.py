"""Article extraction: block decisions with the learnt classifier, assembly, metadata."""

from winnow.extract.engine import Article, extract_articles

__all__ = ["Article", "extract_articles"]
