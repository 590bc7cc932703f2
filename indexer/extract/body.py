"""Article body text from a parsed page: pick the container, drop boilerplate, linearise.

Everything here walks the tree with lxml's iterative iterators (``iter``,
``iterwalk``) rather than recursion, so a page with absurd nesting cannot
raise RecursionError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

__all__ = ["extract_body"]

# Elements that never hold article prose.
_JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "map", "button", "input", "select", "textarea", "option",
    "dialog", "menu", "link", "meta", "head", "title", "base",
})
# Inside the chosen container these go unless they hold real prose (some
# sites wrap the whole story in a <form> or a <figure>). <h1> is the title,
# which must not be repeated in the body.
_FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "figure", "figcaption",
                             "picture", "fieldset", "label", "h1"})

# Elements rendered inline: their text joins the surrounding text. Everything
# else (including unknown custom elements) is treated as a block, so the text
# of neighbouring blocks can never run together.
_INLINE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "ins", "kbd", "mark", "nobr", "q", "rp", "rt", "ruby", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    "output", "label", "img",
})

# class/id vocabulary of blocks that are page furniture wherever they sit
# (comments, cookie boxes, teasers, share bars...). Matched on lower-cased
# "class id". Their text does not count when looking for the article, and
# they are deleted unless they contain the marked article body.
_STRONG_BOILERPLATE = re.compile(
    r"comment|disqus|cookie|consent|gdpr|modal|popup|pop-up|newsletter|subscri|"
    r"sign-?up|related|recommend|outbrain|taboola|most-?read|mostread|most-?popular|"
    r"(?:^|[\s_-])popular|trending|more-?(?:from|stories|news|articles|on)|read-?next|up-?next|"
    r"also-?read|you-?may|sidebar|footer|breadcrumb|share|sharing|social|promo|"
    r"(?:^|[\s_-])ads?(?:$|[\s_-])|advert|adslot|ad-slot|ad-?container|ad-?unit|ad-?wrap|"
    r"sponsor|login|sign-?in|(?:^|[\s_-])nav|navbar|navigation|menu|masthead|"
    r"site-?header|toolbar|newsletter|ticker|jump-?link|skip-?link|print-?only|"
    r"visually-?hidden|sr-only|screen-?reader|screenreader|offscreen"
)
# Weaker signals (bylines, captions, tag lists...): deleted only when the
# element holds a small share of the container's prose.
_WEAK_BOILERPLATE = re.compile(
    r"byline|author|dateline|timestamp|(?:^|[\s_-])date(?:$|[\s_-])|published-?(?:at|on|date)|"
    r"(?:^|[\s_-])tags(?:$|[\s_-])|tag-?list|keywords|caption|credit|(?:^|[\s_-])header|"
    r"teaser|tooltip|follow|feedback|rating|"
    r"(?:^|[\s_-])toc(?:$|[\s_-])|table-?of-?contents|pagination|pager|correction|editor-?note|"
    r"disclaimer|copyright|(?:^|[\s_-])bio(?:$|[\s_-])|about-?the-?author|contributor|"
    r"(?:^|[\s_-])meta(?:$|[\s_-])|article-?meta|post-?meta|entry-?meta|kicker|eyebrow|"
    r"badge|subscribe|signup|newsroom|topics"
)
# Words that mark a block as the content itself: never furniture on class alone.
_CONTENT_CLASS = re.compile(
    r"article-?body|articlebody|story-?body|entry-?content|post-?content|post-?body|"
    r"article-?content|article-?text|story-?content|story-?text|body-?text|content-?body|"
    r"main-?content|rich-?text|richtext|article__body|article__content"
)
# Class/id names sites give the element that holds the article text.
_BODY_CLASS = re.compile(
    r"article[-_]?body|articlebody|story[-_]?body|storybody|entry[-_]?content|post[-_]?content|"
    r"post[-_]?body|article[-_]?content|articlecontent|article[-_]?text|articletext|"
    r"story[-_]?content|story[-_]?text|body[-_]?text|bodytext|content[-_]?body|"
    r"article__body|article__content|article-?main|main-?article|text-?body|"
    r"article-?copy|story-?copy|body-?copy|news-?text|news-?body|single-?content|"
    r"td-post-content|field-?body|field-?name-?body|blog-?post-?body|"
    r"post-?text|entry-?body|the-?content|c-entry-content"
)
# Media and widgets: captions can be long, so these go unless they hold a
# large share of the container (a gallery page, a video page).
_MEDIA_BOILERPLATE = re.compile(
    r"caption|credit|gallery|slideshow|carousel|video|player|widget|donate|call-?to-?action|"
    r"(?:^|[\s_-])cta(?:$|[\s_-])|lightbox"
)
# Short blocks that are page chrome even inside the article container.
_BOILER_LINE = re.compile(
    r"^(?:advert|advertisement|advertising|sponsored(?: content)?|ad|ads|story continues below|"
    r"explore further|also on \S+\.\w+.{0,200}|(?:like|enjoy|enjoyed) this (?:story|article)\?.{0,60}|"
    r"continue reading.*|read (?:more|next|also|the full story).*|see also.*|related(?: articles| stories| coverage| content| links)?:?.*|"
    r"more (?:from|on|about) .{0,60}|share(?: this)?(?: article| story| page)?.{0,40}|"
    r"(?:share|follow|like) (?:on|us on) .{0,40}|tweet|email|print|copy link|"
    r"comments?.{0,30}|\d+ comments?|subscribe.{0,80}|sign up.{0,80}|"
    r"click here.{0,80}|loading.{0,20}|image(?: source| caption| credit)?:.{0,80}|"
    r"photo(?:graph)?(?: credit)?:.{0,80}|credit:.{0,80}|(?:copyright|©).{0,100}|"
    r"all rights reserved.{0,60}|listen to (?:this|the) (?:article|story).{0,40}|"
    r"watch:.{0,80}|video:.{0,80}|recommended.{0,40}|trending.{0,40}|most (?:read|popular).{0,40}|"
    r"(?:updated|published|posted|last updated|first published)(?: on| at)?:? .{0,60}|"
    r"by [^.!?]{2,60}|you might also like.{0,40}|we recommend.{0,40}|"
    r"this (?:article|story) (?:was|has been|is) .{0,40}(?:updated|corrected|produced|published|originally).{0,160}|"
    r"(?:view|open) (?:image )?gallery.{0,40}|skip (?:to )?.{0,40}|\W*)$",
    re.IGNORECASE,
)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NL = re.compile(r"\s*\n\s*")


def _classid(el: etree._Element) -> str:
    cls = el.get("class")
    ident = el.get("id")
    if not cls and not ident:
        return ""
    return f"{cls or ''} {ident or ''}".lower()


_TAG_NAMES: dict[str, str] = {}


def _tag(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = _TAG_NAMES.get(tag)
    if name is None:
        # Namespaced/prefixed tags ("o:p", "{ns}x") compare by local name.
        name = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
        if len(_TAG_NAMES) < 10_000:
            _TAG_NAMES[tag] = name
    return name


_UNIT_MIN = 40  # characters of own (non-link) text that make a block count as prose
# Tags and ARIA roles of page furniture (unless they hold the article).
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog",
                              "alertdialog", "search", "menu", "menubar", "toolbar", "tablist",
                              "tooltip", "marquee", "timer"})
_OUTSIDE_TAGS = frozenset({"nav", "footer", "aside", "header"})


# Class/id strings repeat a lot within and across pages: classify each once.
_CLASS_VERDICTS: dict[str, tuple[bool, bool]] = {}


def _class_verdict(cid: str) -> tuple[bool, bool]:
    """(furniture by class, article-body marker by class) for a "class id" string."""
    verdict = _CLASS_VERDICTS.get(cid)
    if verdict is None:
        strong = _STRONG_BOILERPLATE.search(cid) is not None
        content = _CONTENT_CLASS.search(cid) is not None
        verdict = (strong and not content, _BODY_CLASS.search(cid) is not None and not strong)
        if len(_CLASS_VERDICTS) > 50_000:
            _CLASS_VERDICTS.clear()
        _CLASS_VERDICTS[cid] = verdict
    return verdict


def _classify(el: etree._Element, tag: str) -> tuple[bool, bool]:
    """(is furniture, is article-body marker) for one element.

    Furniture: furniture tags/roles and classes like comments, teasers, share
    bars. Marker: the page itself says "this is the article body".
    """
    cid = _classid(el)
    furniture, marker = _class_verdict(cid) if cid else (False, False)
    if tag in _OUTSIDE_TAGS:
        furniture = True
    role = el.get("role")
    if role and role.lower() in _FURNITURE_ROLES:
        furniture = True
    itemprop = el.get("itemprop")
    if itemprop and "articlebody" in itemprop.lower():
        marker = True
    return furniture, marker


@dataclass
class _Stats:
    """Per-element text statistics from one iterative pass over the tree."""

    prose: dict[etree._Element, int]      # non-link text characters (all of it)
    paras: dict[etree._Element, int]      # prose-paragraph characters outside furniture
    raw_paras: dict[etree._Element, int]  # prose-paragraph characters, furniture included
    direct: dict[etree._Element, int]     # paragraph characters held by direct children
    markers: list[etree._Element]         # elements marked as article body
    furniture: set[etree._Element]        # furniture blocks not holding a marker


def _measure(root: etree._Element) -> _Stats:
    """Measure where the prose is.

    A "paragraph" is the text a block element holds directly or through inline
    children (not nested blocks), minus link text; it counts only from
    ``_UNIT_MIN`` characters, so menus, buttons and teaser links score nothing
    while ``<p>``s, ``<br>``-separated text and bare ``<div>`` text all do.
    Furniture (comments, sidebars, footers...) keeps its own numbers but adds
    nothing to its ancestors, so it can never attract the container choice.
    """
    stats = _Stats({}, {}, {}, {}, [], set())
    # frame: [prose, paras, raw_paras, unit, in_link, block_index, furniture, has_marker, has_h1]
    stack: list[list] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            tag = _tag(el)
            parent = stack[-1] if stack else None
            in_link = bool(parent and parent[4]) or tag == "a"
            is_block = tag not in _INLINE_TAGS or parent is None
            block_index = len(stack) if is_block else parent[5]
            # Page-level wrappers carry page-state classes ("single-post sidebar-nav"),
            # never furniture.
            furniture, marker = _classify(el, tag)
            if tag in ("body", "html", "main"):
                furniture = False
            if marker:
                stats.markers.append(el)
            stack.append([0, 0, 0, 0, in_link, block_index, furniture, marker, tag == "h1"])
            if el.text and not in_link:
                n = len(el.text.strip())
                stack[-1][0] += n
                stack[block_index][3] += n
        else:
            frame = stack.pop()
            if frame[5] == len(stack) and frame[3] >= _UNIT_MIN:
                frame[1] += frame[3]
                frame[2] += frame[3]
                parent_el = el.getparent()
                if parent_el is not None:
                    # Readability-style: credit the paragraph to its parent element.
                    stats.direct[parent_el] = stats.direct.get(parent_el, 0) + frame[3]
            # A "sidebar"-classed wrapper that holds the headline and real prose
            # is a layout container ("main w-sidebar"), not furniture.
            furniture = frame[6] and not frame[7] and not (frame[8] and frame[2] >= 300)
            stats.prose[el] = frame[0]
            stats.paras[el] = frame[1]
            stats.raw_paras[el] = frame[2]
            if furniture:
                stats.furniture.add(el)
            if stack:
                parent = stack[-1]
                parent[0] += frame[0]
                parent[2] += frame[2]
                if not furniture:
                    parent[1] += frame[1]
                parent[7] = parent[7] or frame[7]
                parent[8] = parent[8] or frame[8]
                if el.tail and not parent[4]:
                    n = len(el.tail.strip())
                    parent[0] += n
                    stack[parent[5]][3] += n
    return stats


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    chosen = set(elements)
    result = []
    for el in elements:
        parent = el.getparent()
        nested = False
        while parent is not None:
            if parent in chosen:
                nested = True
                break
            parent = parent.getparent()
        if not nested:
            result.append(el)
    return result


def _with_siblings(top: etree._Element, stats: _Stats) -> list[etree._Element]:
    """The best element plus siblings that continue the article (split bodies)."""
    parent = top.getparent()
    if parent is None:
        return [top]
    best = stats.paras.get(top, 0)
    chosen = []
    for sibling in parent:
        if sibling is top:
            chosen.append(sibling)
            continue
        # Another <article> beside the best one is another story.
        if not isinstance(sibling.tag, str) or sibling in stats.furniture or sibling.tag == "article":
            continue
        score = stats.paras.get(sibling, 0)
        if score >= max(0.2 * best, 150) and stats.prose.get(sibling, 0) <= 1.6 * score + 200:
            chosen.append(sibling)
    return chosen


def _inside_furniture(el: etree._Element, furniture: set[etree._Element]) -> bool:
    while el is not None:
        if el in furniture:
            return True
        el = el.getparent()
    return False


def _choose_container(root: etree._Element, stats: _Stats) -> list[etree._Element]:
    body = root.find(".//body")
    if body is None:
        body = root
    paras = stats.paras

    # Readability-style choice: the element whose direct children hold the
    # most paragraph text, extended by sibling blocks of the same article.
    top = None
    for el, _ in sorted(stats.direct.items(), key=lambda kv: -kv[1])[:20]:
        if not _inside_furniture(el, stats.furniture):
            top = el
            break
    density_choice = _with_siblings(top, stats) if top is not None else [body]
    density_total = sum(paras.get(e, 0) for e in density_choice)

    def acceptable(els: list[etree._Element]) -> bool:
        total = sum(stats.raw_paras.get(e, 0) for e in els)
        return total >= 0.5 * density_total or total >= 1500

    markers = [m for m in stats.markers if stats.raw_paras.get(m, 0) > 0]
    itemprop = [m for m in markers if "articlebody" in (m.get("itemprop") or "").lower()]
    for group in (itemprop, markers):
        if not group:
            continue
        group = _outermost(group)
        best = max(stats.raw_paras.get(e, 0) for e in group)
        chosen = [e for e in group if stats.raw_paras.get(e, 0) >= max(0.1 * best, 1)]
        if acceptable(chosen):
            return chosen
    articles = [a for a in root.iter("article") if not _inside_furniture(a, stats.furniture)]
    if articles:
        # The <article> holding the page headline is the story; others are teasers.
        headed = [a for a in articles if a.find(".//h1") is not None and paras.get(a, 0) > 0]
        best_article = max(headed or articles, key=lambda e: paras.get(e, 0))
        if paras.get(best_article, 0) >= 0.6 * density_total and paras.get(best_article, 0) > 0:
            return [best_article]
    if top is None:
        return [body]
    return density_choice


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style) is not None


def _remove(el: etree._Element) -> None:
    """Delete an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _strip_boilerplate(container: etree._Element, stats: _Stats) -> None:
    total = max(stats.raw_paras.get(container, 0), stats.prose.get(container, 0) // 2, 1)
    doomed: list[etree._Element] = []
    it = container.iter()
    next(it)  # the container itself stays
    for el in it:
        if el in stats.furniture:
            doomed.append(el)
            continue
        tag = _tag(el)
        weak = (
            tag in _FURNITURE_TAGS
            or (el.get("role") or "").lower() in _FURNITURE_ROLES
            or _is_hidden(el)
        )
        if not weak:
            cid = _classid(el)
            weak = bool(cid) and _WEAK_BOILERPLATE.search(cid) is not None and not _CONTENT_CLASS.search(cid)
        share = stats.raw_paras.get(el, 0)
        # Never delete something that holds real prose: a large share of the
        # container, or more than a byline or tag list ever does.
        if weak and share < min(0.4 * total, 400):
            doomed.append(el)
        elif share < 0.4 * total:
            cid = _classid(el)
            if cid and _MEDIA_BOILERPLATE.search(cid) and not _CONTENT_CLASS.search(cid):
                doomed.append(el)
    # Remove outermost first; removing a descendant of a removed element is harmless.
    for el in doomed:
        _remove(el)


@dataclass
class _Block:
    text: str
    link_chars: int
    tag: str


def _linearise(container: etree._Element) -> list[_Block]:
    blocks: list[_Block] = []
    parts: list[str] = []
    link_chars = 0
    link_depth = 0
    block_tags: list[str] = []

    def flush(tag: str) -> None:
        nonlocal parts, link_chars
        text = _NL.sub("\n", _WS.sub(" ", "".join(parts))).strip()
        if text:
            blocks.append(_Block(text, link_chars, tag))
        parts = []
        link_chars = 0

    def add(text: str | None) -> None:
        nonlocal link_chars
        if text:
            parts.append(text.replace("\n", " "))
            if link_depth:
                link_chars += len(text.strip())

    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = _tag(el)
        if event == "start":
            if tag == "br":
                parts.append("\n")
            elif tag not in _INLINE_TAGS:
                flush(block_tags[-1] if block_tags else "div")
                block_tags.append(tag)
            if tag == "a":
                link_depth += 1
            add(el.text)
        else:
            if tag == "a":
                link_depth -= 1
            if tag not in _INLINE_TAGS and tag != "br":
                flush(tag)
                if block_tags:
                    block_tags.pop()
            if el is not container:
                add(el.tail)
    flush("div")
    return blocks


def _norm_key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


_NEWSLETTER = re.compile(r"newsletter|mailing list", re.IGNORECASE)
_SIGN_UP = re.compile(r"sign(?:ing)? up|subscribe|delivered to your inbox|register", re.IGNORECASE)


# "Also in the Gazette: <link>", "Lesen Sie auch: <link>": a short label and a link to another story.
_LABELLED_LINK = re.compile(r"^[^.!?:\n]{2,40}:\s")


def _keep(block: _Block, title_key: str) -> bool:
    text = block.text
    if len(text) < 200 and _BOILER_LINE.match(text):
        return False
    if len(text) < 200 and block.link_chars >= 0.5 * len(text) and _LABELLED_LINK.match(text):
        return False
    if len(text) < 300 and _NEWSLETTER.search(text) and _SIGN_UP.search(text):
        return False  # newsletter pitch written as a paragraph
    if title_key and _norm_key(text) == title_key:
        return False
    return True


_SENTENCE_END = re.compile(r"[.!?…:;\"'”’»)]\s*$")


def _is_heading(block: _Block) -> bool:
    """Short label-like line: a heading, a widget title, a kicker."""
    return len(block.text) < 60 and not _SENTENCE_END.search(block.text)


def _is_linky(block: _Block) -> bool:
    return block.link_chars > 0.5 * len(block.text)


def _drop_link_runs(blocks: list[_Block]) -> list[_Block]:
    """Remove link lists (teasers, tag clouds, "more stories") but keep links in the flow.

    Mostly-link blocks are dropped at the start and end of the text and in
    runs of three or more (with the headings that introduce them); a single
    linked line between paragraphs (a product, a source) is article text.
    """
    n = len(blocks)
    drop = [False] * n
    i = 0
    while i < n:
        if _is_linky(blocks[i]):
            j = i
            while j < n and (_is_linky(blocks[j]) or _is_heading(blocks[j])):
                j += 1
            if sum(1 for k in range(i, j) if _is_linky(blocks[k])) >= 3:
                for k in range(i, j):
                    drop[k] = True
            i = j
        else:
            i += 1
    # Edges: leading/trailing links, and headings whose section was dropped.
    start = 0
    while start < n and (drop[start] or _is_linky(blocks[start]) or (
            _is_heading(blocks[start]) and (start + 1 >= n or drop[start + 1]
                                             or _is_linky(blocks[start + 1]) or _is_heading(blocks[start + 1])))):
        drop[start] = True
        start += 1
    end = n - 1
    while end >= start and (drop[end] or _is_linky(blocks[end]) or _is_heading(blocks[end])):
        drop[end] = True
        end -= 1
    # Headings directly before a dropped run introduce nothing any more.
    for k in range(n - 2, -1, -1):
        if not drop[k] and _is_heading(blocks[k]) and drop[k + 1] and _is_linky(blocks[k + 1]):
            drop[k] = True
    kept = [b for b, d in zip(blocks, drop) if not d]
    if not kept:
        # A brief made only of short lines ("Qtly div 25 cts") looks like
        # headings throughout; its plain lines are still the article.
        kept = [b for b in blocks if not _is_linky(b)]
    return kept


def extract_body(root: etree._Element, title: str = "") -> str:
    """The article text under ``root`` as paragraphs separated by blank lines.

    ``root`` is modified (boilerplate is removed in place).
    """
    # Drop non-content elements (scripts, styles, embeds) in C before any counting.
    etree.strip_elements(root, *_JUNK_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    stats = _measure(root)
    containers = _choose_container(root, stats)
    title_key = _norm_key(title)
    blocks: list[_Block] = []
    for container in containers:
        _strip_boilerplate(container, stats)
        blocks.extend(b for b in _linearise(container) if _keep(b, title_key))
    paragraphs: list[str] = []
    seen: set[str] = set()
    for block in _drop_link_runs(blocks):
        # Pages often carry the same text twice (mobile and desktop copies).
        key = block.text if len(block.text) >= 40 else ""
        if key and key in seen:
            continue
        seen.add(key)
        paragraphs.append(block.text)
    return "\n\n".join(paragraphs)
