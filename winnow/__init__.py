"""Winnow: crawled news pages to clean articles, with per-site boilerplate learnt across pages."""

import hashlib
from pathlib import Path

__version__ = "0.1.0"


def _code_digest() -> str:
    """Digest of the modules and model files that decide an article's text."""
    here = Path(__file__).parent
    digest = hashlib.sha1()
    files = [here / "pipeline.py", *sorted((here / "parse").glob("*.py"))]
    files += sorted((here / "parse").glob("*.pyx"))  # the compiled walk's source
    files += sorted((here / "extract").glob("*.py"))
    files += sorted((here / "extract" / "model").glob("*"))
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


#: Stored on every article; changes whenever extraction code changes, so stale rows are redone.
EXTRACTOR_VERSION = f"winnow-{__version__}+{_code_digest()}"
