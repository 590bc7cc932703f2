"""Reading JSON-LD: find the page's article object, tolerating broken JSON.

Separate from the other metadata sources because schema.org JSON needs its own
machinery (repairing bad JSON, walking @graph lists, resolving @id references).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from indexer.extract.byline import norm_text, split_authors

__all__ = ["article_json_ld", "first_str", "ld_authors"]

_ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "socialmediaposting",
    "liveblogposting", "scholarlyarticle", "techarticle", "report", "advertisercontentarticle",
    "satiricalarticle", "posting", "webpage",
})
# Generic page types are only used when no real article object is present.
_WEAK_TYPES = frozenset({"webpage", "posting"})


def _loads_tolerant(raw: str) -> Any:
    """Parse JSON-LD, repairing the usual breakage instead of giving up."""
    text = raw.strip()
    if text.startswith(("<!--", "<![CDATA[")):
        text = re.sub(r"^(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)$", "", text).strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    # Trailing commas, stray semicolons, raw control characters, several objects glued.
    fixed = re.sub(r",\s*([}\]])", r"\1", text).rstrip(";").strip()
    fixed = re.sub(r"[\x00-\x1f]", " ", fixed)
    try:
        return json.loads(fixed, strict=False)
    except ValueError:
        pass
    try:
        return json.loads("[" + re.sub(r"}\s*{", "},{", fixed) + "]", strict=False)
    except ValueError:
        return _regex_fields(text)


def _regex_fields(text: str) -> dict[str, Any] | None:
    """Last resort for JSON that will not parse: pull quoted scalar fields out."""
    found: dict[str, Any] = {}
    for key in ("@type", "headline", "datePublished", "articleSection", "url"):
        match = re.search(rf'"{re.escape(key)}"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
        if match:
            found[key] = match.group(1).replace('\\"', '"').replace("\\/", "/")
    authors = re.findall(r'"author"\s*:\s*(?:\[\s*)?\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)"', text)
    if authors:
        found["author"] = authors
    return found or None


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower().rsplit("/", 1)[-1]}
    if isinstance(kind, list):
        return {k.lower().rsplit("/", 1)[-1] for k in kind if isinstance(k, str)}
    return set()


def _walk_json(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON value, breadth-first, without recursion."""
    queue: list[Any] = [data]
    seen = 0
    while queue and seen < 5000:
        item = queue.pop(0)
        seen += 1
        if isinstance(item, dict):
            yield item
            queue.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            queue.extend(v for v in item if isinstance(v, (dict, list)))


def first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return norm_text(value) or None
    if isinstance(value, list):
        for item in value:
            found = first_str(item)
            if found:
                return found
    if isinstance(value, dict):
        return first_str(value.get("name") or value.get("@id") or value.get("url"))
    return None


def ld_authors(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    names: list[str] = []
    items = value if isinstance(value, list) else [value]
    people = [i for i in items if isinstance(i, dict) and "person" in _types(i)]
    if people:
        # Bylines that list the publisher next to the reporters: keep the people.
        items = people
    for item in items[:50]:
        if isinstance(item, str):
            names.extend(split_authors(item))
        elif isinstance(item, dict):
            if "name" not in item and isinstance(item.get("@id"), str):
                item = by_id.get(item["@id"], item)
            name = item.get("name")
            if isinstance(name, list):
                name = " ".join(n for n in name if isinstance(n, str))
            if isinstance(name, str):
                names.extend(split_authors(name))
            elif "givenName" in item or "familyName" in item:
                names.append(norm_text(f"{item.get('givenName', '')} {item.get('familyName', '')}"))
    return names


def article_json_ld(root: etree._Element) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]],
                                                  list[dict[str, Any]]]:
    """The most article-like JSON-LD object on the page, an @id index, and the BreadcrumbLists."""
    best: dict[str, Any] | None = None
    weak: dict[str, Any] | None = None
    by_id: dict[str, dict[str, Any]] = {}
    trails: list[dict[str, Any]] = []
    for script in root.iter("script"):
        kind = (script.get("type") or "").lower()
        if "ld+json" not in kind or not script.text:
            continue
        data = _loads_tolerant(script.text[:2_000_000])
        if data is None:
            continue
        for obj in _walk_json(data):
            if isinstance(obj.get("@id"), str):
                by_id.setdefault(obj["@id"], obj)
            types = _types(obj)
            if "breadcrumblist" in types:
                trails.append(obj)
            if best is None and types & (_ARTICLE_TYPES - _WEAK_TYPES):
                best = obj
            elif weak is None and types & _WEAK_TYPES and obj.get("datePublished"):
                weak = obj
    return best or weak, by_id, trails

