"""The publication a page belongs to (the newspaper, agency or site).

Sources in order of trust: OpenGraph ``og:site_name``, the JSON-LD article's
``publisher.name`` (followed through an ``@id`` reference), the
``application-name`` meta, and last the host of the canonical URL
(``www.`` dropped), which every page with a URL has.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from indexer.extract.jsonld import first_str

#: Longer than any real publication name; a longer value is not one.
MAX_CHARS = 200


def _publisher(ld: dict[str, Any] | None, by_id: dict[str, dict[str, Any]]) -> str | None:
    if not ld:
        return None
    publisher = ld.get("publisher")
    if isinstance(publisher, list):
        publisher = next((p for p in publisher if isinstance(p, (dict, str))), None)
    if isinstance(publisher, dict) and "name" not in publisher and isinstance(publisher.get("@id"), str):
        publisher = by_id.get(publisher["@id"], publisher)
    if isinstance(publisher, dict):
        name = publisher.get("name")
        return first_str(name) if name else None
    return first_str(publisher) if isinstance(publisher, str) else None


def url_host(url: str | None) -> str | None:
    """``https://www.example.com/a`` -> ``example.com``; None without a host."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def publication(meta: dict[str, str], ld: dict[str, Any] | None, by_id: dict[str, dict[str, Any]],
                url: str | None) -> str | None:
    """The page's publication: the first source (see the module) that names one."""
    for name in (meta.get("og:site_name"), _publisher(ld, by_id), meta.get("application-name")):
        if name and not name.startswith(("http://", "https://")) and len(name) <= MAX_CHARS:
            return name
    return url_host(url)
