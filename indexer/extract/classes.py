"""What an element's tag, role and class/id words say it is: furniture, article body, media.

Class and id values are read as words, not substrings: ``relatedPosts``,
``related_posts`` and ``related-posts`` all hold the word "related", while
``example-1-amend-a-shared-changeset`` holds no "share" and ``Section--Ads``
is a section (a BEM modifier after ``--`` only describes a variant of the
block). WordPress's ``tag-*`` and ``category-*`` classes name the post's tags
and categories (``tag-social-media``), not what the element is, so they are
ignored.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lxml import etree

__all__ = [
    "COMMENT_WORDS", "CONTENT_WORDS", "FURNITURE_WORDS", "REFERENCE_WORDS", "FURNITURE_ROLES", "FURNITURE_TAGS", "INLINE_TAGS", "JUNK_TAGS",
    "MEDIA_WORDS", "OTHER_STORIES_WORDS", "OUTSIDE_TAGS", "OVERLAY_WORDS", "Verdict", "WEAK_WORDS", "class_verdict", "class_words", "is_hidden", "tag_name",
]

# Elements that never hold article prose.
JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed",
    "canvas", "video", "audio", "map", "button", "input", "select", "textarea", "option",
    "dialog", "menu", "link", "meta", "head", "title", "base",
    # Ruby annotations: the reading of the characters they sit over (furigana), not more text.
    "rt", "rp",
})
# Inside the chosen container these go unless they hold real prose (some
# sites wrap the whole story in a <form> or a <figure>).
FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "figure", "figcaption",
                            "picture", "fieldset", "label", "address"})
OUTSIDE_TAGS = frozenset({"nav", "footer", "aside", "header"})
FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog",
                             "alertdialog", "search", "menu", "menubar", "toolbar", "tablist",
                             "tooltip", "marquee", "timer"})

# Elements rendered inline: their text joins the surrounding text. Everything
# else (including unknown custom elements) is treated as a block, so the text
# of neighbouring blocks can never run together. MathML is inline: its text
# (the formula) belongs to the sentence around it.
INLINE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "ins", "kbd", "mark", "nobr", "q", "ruby", "s", "samp",
    "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    "output", "label", "img", "math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msup", "msub",
    "msubsup", "mfrac", "msqrt", "mroot", "mstyle", "mspace", "semantics", "annotation",
})

def _words(whole: str, compound: str = "") -> re.Pattern[str]:
    """Match ``whole`` words as whole words, and ``compound`` words also glued
    to other words ("relatedposts", "inlinegallery"): they are long enough not
    to occur by chance inside an unrelated word. (Class words hold only
    [a-z0-9] and spaces, so a compound stem may simply occur anywhere.)"""
    glued = f"|{compound}" if compound else ""
    return re.compile(rf"\b(?:{whole})\b{glued}")


# Reader comments: furniture that never becomes the article, however long.
COMMENT_WORDS = _words("disqus|respond", r"comment(?!ary)")
# Lists of references and footnotes: long, linked text of their own that may
# follow the article but never stands for it.
REFERENCE_WORDS = _words("references?|reflist|footnotes?|endnotes?|bibliography")
# Boxes laid over the page (cookie and consent dialogs, pop-ups): furniture
# however much text they hold, unlike layout words ("sidebar", "share") that
# sites also give the wrapper of the story. ("dsgvo": the GDPR in German.)
OVERLAY_WORDS = _words(r"cookies?|consent|gdpr|dsgvo|modal|popup|pop up")
# Lists of other stories (related, next posts, most read, recommendations):
# never the story however much text they hold, unlike layout words.
OTHER_STORIES_WORDS = _words(
    r"more ?(?:from|stories|news|articles)|read ?next|up ?next|also ?read|you ?may|most ?read|most ?popular|"
    r"(?:next|prev|previous) ?(?:posts?|articles?|stories)",
    r"related|recommend|outbrain|taboola|trending")
# Page furniture wherever it sits (comments, cookie boxes, teasers, share
# bars...). Matched on the class/id words (see ``class_words``).
FURNITURE_WORDS = _words(
    r"cookies?|consent|gdpr|dsgvo|modal|popup|pop up|sign ?up|most ?read|most ?popular|"
    r"more ?(?:from|stories|news|articles|on)|read ?next|up ?next|also ?read|you ?may|"
    r"(?:next|prev|previous) ?(?:posts?|articles?|stories)|"
    r"share|shares|sharebar|sharethis|addthis|promos?|promoted|ads?|adslot|"
    r"ad ?(?:slot|container|unit|wrap|wrapper|box)|login|sign ?in|"
    r"(?:main|top|sub|site|primary|global)? ?nav(?:bar|menu|links?|list)?|navi|menus?|mainmenu|"
    r"site ?header|jump ?links?|skip ?links?|print ?only|visually ?hidden|sr ?only|"
    r"screen ?reader|offscreen|disqus|respond|news ?letters?",
    r"newsletter|subscri|related|recommend|outbrain|taboola|popular|trending|sidebar|footer|"
    r"breadcrumb|sharing|social|advert|sponsor|navigation|masthead|toolbar|ticker|"
    r"screenreader|comment(?!ary)|facebook|twitter|instagram|whatsapp|messenger|telegram|pinterest|"
    r"recirculation|disclosure|affiliate",
)
# Weaker signals (bylines, captions, tag lists...): deleted only when the
# element holds a small share of the container's prose.
WEAK_WORDS = _words(
    r"authors?|date|published ?(?:at|on|date)|tags|tag ?list|keywords|credits?|header|teasers?|"
    r"tooltip|follow|feedback|ratings?|toc|table of contents|pager|corrections?|editor ?note|bio|"
    r"about the author|meta|article ?meta|post ?meta|entry ?meta|kicker|eyebrow|badge|newsroom|"
    r"topics|more ?links|post ?metadata|notices?|info ?box|fact ?box|inline ?text ?box",
    # (a "paywall" box is the subscription pitch, or the story's text behind it)
    r"byline|dateline|timestamp|caption|pagination|disclaimer|copyright|contributor|paywall",
)
# Words that mark a block as the content itself: never furniture on class alone.
CONTENT_WORDS = re.compile(
    r"\b(?:article ?body|story ?body|entry ?content|post ?content|post ?body|article ?content|"
    r"article ?text|story ?content|story ?text|body ?text|content ?body|main ?content|rich ?text)\b"
)
# Class/id names sites give the element that holds the article text.
_BODY_WORDS = re.compile(
    r"\b(?:article ?body|story ?body|entry ?content|post ?content|post ?body|article ?content|"
    r"article ?text|story ?content|story ?text|body ?text|content ?body|article ?main|"
    r"main ?article|text ?body|article ?copy|story ?copy|body ?copy|news ?text|news ?body|"
    r"single ?content|td post content|field ?body|field ?name ?body|blog ?post ?body|post ?text|"
    r"entry ?body|the ?content)\b"
)
# Media and widgets: captions can be long, so these go unless they hold a
# large share of the container (a gallery page, a video page).
MEDIA_WORDS = _words(
    r"credits?|slides?|video|donate|call to action|cta|legend",
    r"caption|gallery|slideshow|carousel|slider|player|widget|lightbox",
)

# A recipe's ingredient list: part of the text even when boxed apart from the method.
_INGREDIENT_WORDS = re.compile(r"\bingredients?\b")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WP_TAXONOMY = re.compile(r"(?:^|\s)(?:tag|category|post_tag|post-tag)-\S*")
_BEM_MODIFIER = re.compile(r"--\S*")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_WORDS: dict[str, str] = {}


def _words_of(raw: str) -> str:
    words = _WORDS.get(raw)
    if words is None:
        text = _WP_TAXONOMY.sub(" ", raw) if "tag-" in raw or "category-" in raw else raw
        if "--" in text:
            text = _BEM_MODIFIER.sub(" ", text)
        if not text.islower():
            text = _CAMEL.sub(" ", text).lower()
        words = _SEPARATORS.sub(" ", text).strip()
        if len(_WORDS) > 50_000:
            _WORDS.clear()
        _WORDS[raw] = words
    return words


def class_words(el: etree._Element) -> str:
    """The element's class, id and custom element name as space-separated lower-case
    words ("" if none): a custom element is named for what it is ("pp-inline-teaser"),
    as a class would be."""
    cls = el.get("class")
    ident = el.get("id")
    tag = el.tag
    custom = tag if type(tag) is str and "-" in tag else ""
    if not cls and not ident and not custom:
        return ""
    return _words_of(f"{cls or ''} {ident or ''} {custom}")


class Verdict(NamedTuple):
    """What an element's class and id words say it is."""

    furniture: bool   # page furniture (not when also named as content)
    comments: bool    # reader comments
    marker: bool      # the article body, as the page names it
    references: bool  # a list of references or footnotes
    overlay: bool     # a dialog or pop-up laid over the page, or a list of other stories
    ingredients: bool = False  # a recipe's ingredient list or one of its items


_NO_VERDICT = Verdict(False, False, False, False, False)
_VERDICTS: dict[str, Verdict] = {}


def class_verdict(el: etree._Element) -> Verdict:
    """The element's ``Verdict`` (class, id and custom element name; an itemprop="articleBody" marks the body too).

    Class/id strings repeat a lot within and across pages: each is judged once.
    """
    cls = el.get("class")
    ident = el.get("id")
    tag = el.tag
    custom = tag if type(tag) is str and "-" in tag else ""  # named like a class (see class_words)
    verdict = _NO_VERDICT
    if cls or ident or custom:
        raw = f"{cls or ''} {ident or ''} {custom}"
        verdict = _VERDICTS.get(raw)
        if verdict is None:
            words = _words_of(raw)
            furniture = FURNITURE_WORDS.search(words) is not None
            content = CONTENT_WORDS.search(words) is not None
            verdict = Verdict(furniture and not content,
                              COMMENT_WORDS.search(words) is not None and not content,
                              _BODY_WORDS.search(words) is not None and not furniture,
                              REFERENCE_WORDS.search(words) is not None,
                              furniture and not content and (OVERLAY_WORDS.search(words) is not None
                                                             or OTHER_STORIES_WORDS.search(words) is not None),
                              _INGREDIENT_WORDS.search(words) is not None)
            if len(_VERDICTS) > 50_000:
                _VERDICTS.clear()
            _VERDICTS[raw] = verdict
    itemprop = el.get("itemprop")
    if itemprop:
        itemprop = itemprop.lower()
        if not verdict.marker and "articlebody" in itemprop:
            verdict = verdict._replace(marker=True)
        if "ingredient" in itemprop:  # schema.org Recipe: recipeIngredient, ingredients
            verdict = verdict._replace(ingredients=True)
    return verdict


_TAG_NAMES: dict[str, str] = {}


def tag_name(el: etree._Element) -> str:
    """Lower-case local name of an element's tag ("" for comments and PIs)."""
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


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
# CSS frameworks' utility classes for "never shown" (Bootstrap, Foundation, Tailwind), as
# whole class tokens: "hidden-xs" or "md:hidden" hide on some screens only.
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hidden|d-none|is-hidden|u-hidden)(?=\s|$)")


def is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style) is not None:
        return True
    cls = el.get("class")
    return bool(cls) and _HIDDEN_CLASS.search(cls) is not None
