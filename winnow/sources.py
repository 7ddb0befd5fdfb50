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

Paths are relative to the YAML file. A configuration error (unknown kind, missing path, bad
field) stops the run with a message naming the file, the entry and the problem. A malformed
manifest line costs only its own page: it is yielded with ``error`` set, named by file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("files", "manifest")
DEFAULT_INCLUDE = (
    "**/*.html",
    "**/*.htm",
    "**/*.html.gz",
    "**/*.htm.gz",
    "**/*.txt",
    "**/*.txt.gz",
)
_TEXT_SUFFIXES = (".txt", ".txt.gz")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_ALLOWED = {"name", "kind", "path", "site", "include", "description"}


class SourceError(ValueError):
    """The sources configuration is wrong; the message names file, entry and problem."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One validated entry of the sources YAML."""

    name: str
    kind: str
    path: Path
    site: str | None = None
    include: tuple[str, ...] = DEFAULT_INCLUDE
    description: str = ""


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page a source names, before its bytes are read."""

    page_id: str
    source: str
    location: str  # file path or URL
    url: str | None = None
    site: str | None = None
    fmt: str = "html"
    error: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


def page_format(location: str) -> str:
    """``txt`` for plain-text pages (``.txt``, ``.txt.gz``), else ``html``."""
    return "txt" if location.lower().endswith(_TEXT_SUFFIXES) else "html"


def load_sources(config: Path | str) -> list[SourceSpec]:
    """Read and validate the sources YAML; raises SourceError naming file, entry and problem."""
    config = Path(config)
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"{config}: cannot read sources file: {exc}") from exc
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
    unknown = set(entry) - _ALLOWED
    if unknown:
        allowed = ", ".join(sorted(_ALLOWED))
        raise SourceError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {allowed}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SourceError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    raw_path = entry.get("path")
    if not isinstance(raw_path, str) or not raw_path:
        raise SourceError(f"{where}: 'path' is missing")
    path = (config.parent / raw_path).resolve()
    if not path.exists():
        raise SourceError(f"{where}: path {raw_path!r} does not exist (looked at {path})")
    if kind == "manifest" and not path.is_file():
        raise SourceError(f"{where}: a manifest source needs a file, {path} is not one")
    if kind == "files" and not path.is_dir():
        raise SourceError(f"{where}: a files source needs a folder, {path} is not one")
    include = entry.get("include", DEFAULT_INCLUDE)
    if isinstance(include, str):
        include = (include,)
    if not isinstance(include, list | tuple) or not all(isinstance(g, str) for g in include):
        raise SourceError(f"{where}: 'include' must be a glob or a list of globs")
    site = entry.get("site")
    if site is not None and not isinstance(site, str):
        raise SourceError(f"{where}: 'site' must be a domain name")
    return SourceSpec(name, kind, path, site, tuple(include), str(entry.get("description", "")))


def iter_page_refs(spec: SourceSpec) -> Iterator[PageRef]:
    """Every page the source names, in a stable order."""
    if spec.kind == "files":
        yield from _file_refs(spec)
    else:
        yield from iter_manifest(spec.path, spec.name, spec.site)


def _file_refs(spec: SourceSpec) -> Iterator[PageRef]:
    seen: set[Path] = set()
    for pattern in spec.include:
        for path in sorted(spec.path.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                rel = path.relative_to(spec.path).as_posix()
                yield PageRef(
                    page_id=f"{spec.name}/{rel}",
                    source=spec.name,
                    location=str(path),
                    site=spec.site,
                    fmt=page_format(rel),
                )


def iter_manifest(path: Path, source: str, site: str | None = None) -> Iterator[PageRef]:
    """Pages of a JSON-lines manifest (``page_id``, ``file`` relative to it, ``url``, ``site``)."""
    base = path.parent
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield PageRef(
                    f"{source}/line-{number}",
                    source,
                    str(path),
                    error=f"{path}: line {number}: not UTF-8 ({exc.reason} at byte {exc.start})",
                )
                continue
            if line.strip():
                yield _manifest_ref(path, base, source, site, number, line)


def _manifest_ref(
    path: Path, base: Path, source: str, site: str | None, number: int, line: str
) -> PageRef:
    where = f"{path}: line {number}"
    fallback_id = f"{source}/line-{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return PageRef(fallback_id, source, str(path), error=f"{where}: not valid JSON ({exc.msg})")
    if not isinstance(row, dict):
        return PageRef(fallback_id, source, str(path), error=f"{where}: expected a JSON object")
    file, url = row.get("file"), row.get("url")
    page_id = row.get("page_id") or (Path(file).name if isinstance(file, str) else None) or url
    if not isinstance(page_id, str) or not page_id:
        return PageRef(fallback_id, source, str(path), error=f"{where}: no page_id, file or url")
    where = f"{where} (page {page_id!r})"
    if url is not None and not isinstance(url, str):
        return PageRef(page_id, source, str(path), error=f"{where}: 'url' must be a string")
    if not isinstance(file, str) or not file:
        return PageRef(page_id, source, str(path), url=url, error=f"{where}: 'file' is missing")
    location = (base / file).resolve()
    row_site = row.get("site") if isinstance(row.get("site"), str) else None
    return PageRef(
        page_id=page_id,
        source=source,
        location=str(location),
        url=url,
        site=row_site or site,
        fmt=page_format(file),
    )
