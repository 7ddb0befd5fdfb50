"""How the crawler behaves: the ``fetch:`` section of the sources YAML, validated.

::

    fetch:
      user_agent: "MyOrgBot/1.0 (+mailto:crawl@my.org)"   # say who you are
      concurrency: 16        # requests in flight overall
      per_host: 2            # requests in flight per host
      delay: 1.0             # seconds between request starts on one host (robots Crawl-delay
                             # raises it, up to max_crawl_delay)
      allow_private: false   # true only for local testing (127.0.0.1, 10.x, ...)

Every other field of :class:`FetchOptions` may be set the same way. A value of the wrong type,
out of range, or an unknown key is an error naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

DEFAULT_USER_AGENT = "Winnow/0.1 (news article extraction; set fetch.user_agent to your contact)"


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Politeness, limits and safety of one crawl (defaults suit a nightly news crawl)."""

    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = 16
    per_host: int = 2
    delay: float = 1.0
    respect_robots: bool = True
    max_crawl_delay: float = 30.0
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # one attempt: connect + headers + whole body
    fetch_deadline: float = 180.0  # one URL: every attempt's time in the host's slot together
    host_max_timeouts: int = 2  # attempts past total_timeout before a host is given up
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    max_bytes: int = 10_000_000
    max_decompressed_bytes: int = 40_000_000
    max_sitemaps: int = 200
    allow_private: bool = False
    private_hosts: tuple[str, ...] = ()  # host or host:port allowed private addresses
    http2: bool = True
    ca_file: str = ""  # PEM file of certificate authorities trusted beside the system's
    max_failure_share: float = 0.2

    def with_overrides(self, **values: object) -> FetchOptions:
        """A copy with the given fields replaced (None values are ignored), validated."""
        given = {k: v for k, v in values.items() if v is not None}
        return fetch_options(given, "overrides", base=self)


_POSITIVE = {"concurrency", "per_host", "max_bytes", "max_decompressed_bytes", "max_sitemaps"}
_POSITIVE |= {"host_max_timeouts"}
_NON_NEGATIVE = {"delay", "max_crawl_delay", "retries", "backoff", "max_backoff"}
_NON_NEGATIVE |= {"max_retry_after", "max_redirects"}


def _check(where: str, key: str, value: object, default: object) -> object:
    kind = type(default)
    if kind is tuple:
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: fetch.{key} must be a list of host or host:port names")
        return tuple(v.strip().lower() for v in value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where}: fetch.{key} must be a {kind.__name__}, not {value!r}")
    if key in _POSITIVE and value <= 0:
        raise ValueError(f"{where}: fetch.{key} must be above 0")
    if (key in _NON_NEGATIVE or kind is float) and value < 0:
        raise ValueError(f"{where}: fetch.{key} must not be negative")
    if key.endswith(("timeout", "deadline")) and value <= 0:
        raise ValueError(f"{where}: fetch.{key} must be above 0 seconds")
    if key == "max_failure_share" and not 0 <= value <= 1:
        raise ValueError(f"{where}: fetch.max_failure_share must be between 0 and 1")
    if key == "ca_file" and value and not Path(value).is_file():
        raise ValueError(f"{where}: fetch.ca_file {value!r} is not a file")
    if key == "user_agent" and not value.strip():
        raise ValueError(f"{where}: fetch.user_agent must name your crawler")
    return value


def fetch_options(section: object, where: str, base: FetchOptions | None = None) -> FetchOptions:
    """Validated options from a ``fetch:`` mapping (unset keys keep ``base``'s values)."""
    base = base or FetchOptions()
    if section is None:
        return base
    if not isinstance(section, dict):
        raise ValueError(f"{where}: 'fetch' must be a mapping of option: value")
    defaults = {f.name: getattr(base, f.name) for f in fields(FetchOptions)}
    unknown = set(section) - set(defaults)
    if unknown:
        raise ValueError(
            f"{where}: unknown fetch option(s) {sorted(unknown)}; known: {', '.join(defaults)}"
        )
    values = {k: _check(where, k, v, defaults[k]) for k, v in section.items()}
    return replace(base, **values)


def load_fetch_options(config: Path | str) -> FetchOptions:
    """The ``fetch:`` section of a sources YAML (defaults when it has none).

    Raises SourceError naming the file and the key, like every sources problem.
    """
    # Imported here: winnow.sources imports winnow.fetch (WARC reading), not the other way round.
    from winnow.sources.config import SourceError

    config = Path(config)
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8"))
        return fetch_options(doc.get("fetch") if isinstance(doc, dict) else None, str(config))
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"{config}: cannot read the fetch options: {exc}") from exc
    except ValueError as exc:
        raise SourceError(str(exc)) from exc
