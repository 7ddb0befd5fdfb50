"""Where pages come from: the sources YAML, validated, and the page references each source yields.

``data/sources.yaml`` lists sources::

    sources:
      - name: demo
        kind: manifest          # a JSON-lines manifest, one page per line
        path: demo/manifest.jsonl
      - name: inbox
        kind: files             # every page file below a folder
        path: inbox
        site: example.com       # optional: one site for all pages of the source
        allow_outside: false    # optional: true lets pages lie outside the folder (symlinks,
                                # a manifest's ../ or absolute paths); default: such a page
                                # is an error row
        optional: true          # may hold no page (a folder that fills over time); a run
                                # fails when any other source produced no page at all
      - name: wire
        kind: sitemap           # or feed, or urls: pages fetched over HTTP (web_config.py)
        url: https://news.example/sitemap.xml
      - name: news
        kind: warc              # WARC/WET files: a file, a folder or a glob
        path: crawl/*.warc.gz

Paths are relative to the YAML file. A configuration error (unknown kind, missing path, bad
field) stops the run with a message naming the file, the entry and the problem. A malformed
manifest line costs only its own page: it is yielded with ``error`` set, named by file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from winnow.sources.scope import WEB_KINDS, WebScope
from winnow.sources.warc import WARC_INCLUDE, is_glob
from winnow.sources.web_config import web_scope

KINDS = ("files", "manifest", "warc", *WEB_KINDS)
DEFAULT_INCLUDE = (
    "**/*.html",
    "**/*.htm",
    "**/*.html.gz",
    "**/*.htm.gz",
    "**/*.txt",
    "**/*.txt.gz",
)
_TEXT_SUFFIXES = (".txt", ".txt.gz")
MAX_CONFIG_BYTES = 1_000_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ALLOWED = {"name", "kind", "path", "site", "include", "description", "allow_outside", "optional"}


class SourceError(ValueError):
    """The sources configuration is wrong; the message names file, entry and problem."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One validated entry of the sources YAML."""

    name: str
    kind: str
    path: Path | None  # None for a sitemap or feed source
    site: str | None = None
    include: tuple[str, ...] = DEFAULT_INCLUDE
    description: str = ""
    web: WebScope | None = None  # what a web source (urls, sitemap, feed) fetches
    allow_outside: bool = False  # pages may lie outside the source's folder (symlinks, ../)
    optional: bool = False  # the source may produce no page (a run fails when another does not)


def load_sources(config: Path | str) -> list[SourceSpec]:
    """Read and validate the sources YAML; raises SourceError naming file, entry and problem."""
    config = Path(config)
    if config.exists() and not config.is_file():
        raise SourceError(f"{config}: the sources file is not a regular file")
    if config.is_file() and config.stat().st_size > MAX_CONFIG_BYTES:
        raise SourceError(f"{config}: over {MAX_CONFIG_BYTES:,} bytes, not a sources file")
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"{config}: cannot read sources file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{config}: not a text (UTF-8) sources file: {exc.reason} at byte {exc.start}"
        ) from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"{config}: not valid YAML: {exc}") from exc
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SourceError(f"{config}: expected a non-empty list under 'sources:'")
    specs: list[SourceSpec] = []
    for number, entry in enumerate(entries, start=1):
        specs.append(_spec(config, number, entry))
    names = [s.name for s in specs]
    for name in names:
        if names.count(name) > 1:
            raise SourceError(f"{config}: source '{name}': name is used more than once")
    return specs


def _spec(config: Path, number: int, entry: object) -> SourceSpec:
    where = f"{config}: source #{number}"
    if not isinstance(entry, dict):
        raise SourceError(f"{where}: expected a mapping with name, kind and path")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SourceError(f"{where}: 'name' must be a word of letters, digits, '.', '_' or '-'")
    where = f"{config}: source #{number} '{name}'"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SourceError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if kind in WEB_KINDS:
        return _web_spec(config, where, name, kind, entry)
    unknown = set(entry) - _ALLOWED
    if unknown:
        allowed = ", ".join(sorted(_ALLOWED))
        raise SourceError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {allowed}")
    raw_path = entry.get("path")
    if not isinstance(raw_path, str) or not raw_path:
        raise SourceError(f"{where}: 'path' is missing")
    path = _source_path(config, where, kind, raw_path)
    if kind == "manifest" and not path.is_file():
        raise SourceError(f"{where}: a manifest source needs a file, {path} is not one")
    if kind == "files" and not path.is_dir():
        raise SourceError(f"{where}: a files source needs a folder, {path} is not one")
    include = entry.get("include", WARC_INCLUDE if kind == "warc" else DEFAULT_INCLUDE)
    if isinstance(include, str):
        include = (include,)
    if not isinstance(include, list | tuple) or not all(isinstance(g, str) for g in include):
        raise SourceError(f"{where}: 'include' must be a glob or a list of globs")
    site = entry.get("site")
    if site is not None and not isinstance(site, str):
        raise SourceError(f"{where}: 'site' must be a domain name")
    allow_outside = entry.get("allow_outside", False)
    if not isinstance(allow_outside, bool):
        raise SourceError(f"{where}: 'allow_outside' must be true or false")
    description = str(entry.get("description", ""))
    optional = entry.get("optional", False)
    if not isinstance(optional, bool):
        raise SourceError(f"{where}: 'optional' must be true or false")
    return SourceSpec(
        name,
        kind,
        path,
        site,
        tuple(include),
        description,
        allow_outside=allow_outside,
        optional=optional,
    )


def _web_spec(config: Path, where: str, name: str, kind: str, entry: dict) -> SourceSpec:
    try:
        path, scope = web_scope(where, kind, entry, config.parent)
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
    site = entry.get("site")
    if site is not None and not isinstance(site, str):
        raise SourceError(f"{where}: 'site' must be a domain name")
    return SourceSpec(name, kind, path, site, (), str(entry.get("description", "")), scope)


def _source_path(config: Path, where: str, kind: str, raw_path: str) -> Path:
    """The entry's path resolved against the YAML's folder; it must exist (for a ``warc``
    glob, the folder it searches must: files may appear later)."""
    path = config.parent / raw_path
    if kind == "warc" and is_glob(raw_path):
        folder = path.parent
        while is_glob(folder):
            folder = folder.parent
        if not folder.resolve().is_dir():
            raise SourceError(f"{where}: glob {raw_path!r} searches {folder}, not a folder")
        return folder.resolve() / path.relative_to(folder)
    path = path.resolve()
    if not path.exists():
        raise SourceError(f"{where}: path {raw_path!r} does not exist (looked at {path})")
    return path
