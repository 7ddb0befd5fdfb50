"""Article extraction: deciding on a page's blocks, and its metadata."""

from winnow.extract.html import Article, detect_language, extract_html
from winnow.extract.text_pages import extract_text

__all__ = ["Article", "detect_language", "extract_html", "extract_text"]
