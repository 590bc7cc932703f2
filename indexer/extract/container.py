"""Which elements hold the article: the page's own marker, the headed <article>, or the best-scored block."""

from __future__ import annotations

from lxml import etree

from indexer.extract.classes import class_words
from indexer.extract.lead import lead_blocks
from indexer.extract.measure import UNIT_MIN, Stats, inside

__all__ = ["choose_container"]

_PARAGRAPH = 100      # text of a plain <p> beside the article that continues it
_ALTERNATIVES = 5     # best-scored blocks considered for a common ancestor
_CLOSE_SCORE = 0.75   # ... when their score is this close to the best one
_COMMON_MIN = 3       # ... and at least this many of them share it


def _eligible(el: etree._Element, stats: Stats) -> bool:
    """Can ``el`` be (part of) the article? Not furniture, not a list of references."""
    return not inside(el, stats.furniture) and not inside(el, stats.references)


def _best_block(root: etree._Element, stats: Stats) -> etree._Element | None:
    """Readability's choice: the best-scored block, moved up to the ancestor it
    shares with other nearly as good blocks, or to a parent that scores higher."""
    ranked = [el for el, _ in sorted(stats.score.items(), key=lambda kv: -kv[1])[:40]
              if _eligible(el, stats)]
    if not ranked:
        return None
    top = ranked[0]
    best = stats.score[top]
    close = [el for el in ranked[1:_ALTERNATIVES] if stats.score[el] >= _CLOSE_SCORE * best]
    if len(close) >= _COMMON_MIN:
        ancestry = [set(el.iterancestors()) for el in close]
        for parent in top.iterancestors():
            if parent.tag in ("body", "html"):
                break
            if sum(parent in a for a in ancestry) >= _COMMON_MIN:
                top = parent
                break
    # A score rising on the way up means more of the story lies beside this block.
    last = stats.score.get(top, 0.0)
    threshold = last / 3
    for parent in top.iterancestors():
        if parent.tag in ("body", "html") or not _eligible(parent, stats):
            break
        score = stats.score.get(parent, 0.0)
        if score < threshold:
            break
        if score > last:
            top = parent
            break
        last = score
    return top


def _with_siblings(top: etree._Element, stats: Stats) -> list[etree._Element]:
    """The best element plus siblings that continue the article (split bodies):
    blocks with a good share of its text, plain paragraphs, and further blocks
    of the same kind (an interview or how-to split over sibling wrappers of
    one class; a wrapper that is its parent's only child stands for its parent)."""
    node = top
    while (node.getparent() is not None and len(node.getparent()) == 1
           and node.getparent().tag not in ("body", "html")):
        node = node.getparent()
    parent = node.getparent()
    if parent is None:
        return [top]
    best = stats.paras.get(top, 0)
    kind = (node.tag, class_words(node))
    chosen = []
    for sibling in parent:
        if sibling is node:
            chosen.append(top if node is not top and len(node) == 1 else node)
            continue
        # Another <article> beside the best one is another story; references are not the story.
        if not isinstance(sibling.tag, str) or sibling.tag == "article" or not _eligible(sibling, stats):
            continue
        score = stats.paras.get(sibling, 0)
        if stats.prose.get(sibling, 0) > 1.6 * score + 200:
            continue  # mostly links or short lines
        if (score >= max(0.2 * best, 150)
                or (sibling.tag == "p" and score >= _PARAGRAPH)
                or (score >= 150 and kind[1] and (sibling.tag, class_words(sibling)) == kind)):
            chosen.append(sibling)
    return chosen


_WRAPPER_LEVELS = 4  # levels above the best block searched for the wrapper of one part of the story
_PARTS_GAIN = 1.5    # ... whose kin must hold this many times the best block's text


def _repeated_parts(top: etree._Element, stats: Stats) -> list[etree._Element] | None:
    """The story split into a run of wrappers of one kind (the steps of a how-to,
    the sections of a long read), each deeply nested: the best block is inside
    one of several siblings that share its tag and class and hold prose of
    their own. All of those, in page order; ``None`` when there is no such run."""
    node, best = top, stats.paras.get(top, 0)
    for _ in range(_WRAPPER_LEVELS + 1):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or not _eligible(parent, stats):
            return None
        words = class_words(node)
        if words:
            kin = [s for s in parent if s.tag == node.tag and stats.paras.get(s, 0) >= UNIT_MIN
                   and class_words(s) == words and _eligible(s, stats)]
            if len(kin) >= 2 and sum(stats.paras.get(s, 0) for s in kin) >= _PARTS_GAIN * best:
                return kin
        node = parent
    return None


def _with_standfirst(chosen: list[etree._Element], stats: Stats,
                     headline: etree._Element | None) -> list[etree._Element]:
    """``chosen`` preceded by the standfirst and lead paragraphs between the headline and it."""
    return lead_blocks(chosen[0], stats, headline) + chosen


def _same_kind(chosen: list[etree._Element], stats: Stats) -> list[etree._Element]:
    """``chosen`` plus nearby blocks of exactly the same tag and class (a story
    split into identical wrappers around ads or a lead image), in page order:
    searched within each chosen block's grandparent."""
    found = set(chosen)
    for el in chosen:
        words = class_words(el)
        scope = el.getparent()
        scope = scope.getparent() if scope is not None else None
        if not words or scope is None or scope.tag in ("body", "html"):
            continue
        for other in scope.iter(el.tag):
            if (other not in found and class_words(other) == words and stats.raw_paras.get(other, 0) >= _PARAGRAPH
                    and not inside(other, stats.furniture)):
                found.add(other)
    if len(found) == len(chosen):
        return chosen
    return [el for el in chosen[0].getroottree().iter() if el in found
            and not any(a in found for a in el.iterancestors())]


def _with_ingredients(chosen: list[etree._Element], stats: Stats) -> list[etree._Element]:
    """``chosen`` plus the recipe's ingredient lists outside it, in page order."""
    if not stats.ingredients:
        return chosen
    within = set(chosen)
    lists: list[etree._Element] = []
    for el in _outermost(stats.ingredients):
        if "ingredient" in (el.get("itemprop") or "").lower() and el.getparent() is not None:
            el = el.getparent()  # one item: its list holds the others
        if (el.tag in ("body", "html", "main") or el in lists or inside(el, within) or inside(el, stats.furniture)
                or any(el in c.iterancestors() for c in chosen)):
            continue
        lists.append(el)
    if not lists:
        return chosen
    found = within | set(lists)
    return [el for el in chosen[0].getroottree().iter() if el in found]


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def choose_container(root: etree._Element, stats: Stats,
                     headline: etree._Element | None = None) -> list[etree._Element]:
    """The elements whose text is the article, in page order (``headline``: the story's <h1>)."""
    body = root.find(".//body")
    if body is None:
        body = root
    paras = stats.paras
    top = _best_block(root, stats)
    density_choice = _with_siblings(top, stats) if top is not None else [body]
    parts = _repeated_parts(top, stats) if top is not None and len(density_choice) == 1 else None
    if parts:
        density_choice = parts
    density_total = sum(paras.get(e, 0) for e in density_choice)

    def acceptable(els: list[etree._Element]) -> bool:
        total = sum(stats.raw_paras.get(e, 0) for e in els)
        return total >= 0.5 * density_total or total >= 1500

    # The page's own "article body" marker, unless mostly reader comments or
    # inside furniture (a teaser's "story-text").
    markers = [m for m in stats.markers if stats.raw_paras.get(m, 0) > 0
               and stats.comments.get(m, 0) < 0.5 * stats.raw_paras[m] and not inside(m, stats.furniture)]
    # A marker inside a sidebar or other furniture (its boxes reuse the body's class)
    # gives way to the markers outside furniture, when there are any.
    free = [m for m in markers if not inside(m, stats.marked_furniture)]
    markers = free or markers
    itemprop = [m for m in markers if "articlebody" in (m.get("itemprop") or "").lower()]
    for group in (itemprop, markers):
        if not group:
            continue
        group = _outermost(group)
        best = max(stats.raw_paras.get(e, 0) for e in group)
        chosen = [e for e in group if stats.raw_paras.get(e, 0) >= max(0.1 * best, 1)]
        if acceptable(chosen):
            chosen = _same_kind(chosen, stats)
            return _with_ingredients(_with_standfirst(chosen, stats, headline), stats)
    articles = [a for a in root.iter("article") if not inside(a, stats.furniture)]
    if articles:
        # The <article> holding the page headline is the story; others are teasers.
        headed = [a for a in articles if a.find(".//h1") is not None and paras.get(a, 0) > 0]
        best_article = max(headed or articles, key=lambda e: paras.get(e, 0))
        if paras.get(best_article, 0) >= 0.6 * density_total and paras.get(best_article, 0) > 0:
            return _with_ingredients(_with_standfirst([best_article], stats, headline), stats)
    if top is None:
        return [body]
    return _with_ingredients(_with_standfirst(density_choice, stats, headline), stats)
