"""How the assets present themselves in the UI: the group each sits in (read → learn →
extract → publish, names a newcomer can follow) and the ``code_version`` of the code that
decides its rows, so the UI can say when an asset's code changed since it was materialized."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from winnow import EXTRACTOR_VERSION, __version__

WINNOW = Path(__file__).resolve().parents[1] / "winnow"

#: Asset -> its group.
GROUPS = {
    "pages": "read_pages",
    "warc_pages": "read_pages",
    "page_blocks": "read_pages",
    "boilerplate": "learn_chrome",
    "articles": "extract_articles",
    "story_clusters": "extract_articles",
    "warehouse_snapshot": "publish",
    "articles_export": "export",
}
#: The groups the ingest job runs (``export`` has its own job and sensor).
PIPELINE_GROUPS = ("read_pages", "learn_chrome", "extract_articles", "publish")

#: Asset -> the parts of winnow/ whose code decides its rows.
CODE = {
    "pages": ("sources", "fetch", "quarantine.py", "records.py", "pipeline.py", "stages.py"),
    "warc_pages": ("sources", "parse", "partitions", "pipeline.py", "quarantine.py"),
    "page_blocks": ("parse", "pipeline.py", "quarantine.py", "stages.py"),
    "boilerplate": ("model", "partitions", "stages.py"),
    "story_clusters": ("stories", "stages.py"),
    "warehouse_snapshot": ("warehouse",),
    "articles_export": ("export.py",),
}


def code_version(parts: Sequence[str]) -> str:
    """Winnow's version and a digest of the Python files of ``parts`` (files or folders of
    winnow/)."""
    digest = hashlib.sha1()
    for part in parts:
        path = WINNOW / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:10]}"


def _presented(spec: dg.AssetSpec) -> dg.AssetSpec:
    name = spec.key.to_user_string()
    if name == "articles":
        version = EXTRACTOR_VERSION.removeprefix("winnow-")
    elif name in CODE:
        version = code_version(CODE[name])
    else:
        version = spec.code_version
    return spec.replace_attributes(
        group_name=GROUPS.get(name, spec.group_name), code_version=version
    )


def presented(assets: Sequence) -> list:
    """``assets`` with their groups and code versions."""
    return list(dg.map_asset_specs(_presented, assets))
