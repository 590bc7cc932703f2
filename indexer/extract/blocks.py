"""The chosen container as text blocks, and which blocks are the article's.

Linearising turns the container into one block per block element (inline
text joined, ``<br>`` kept as a line break); then page chrome lines, the
publisher's notices, rows of buttons, closing notes and second copies are
dropped (link lists and teasers: ``indexer.extract.teasers``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from indexer.extract.classes import INLINE_TAGS, tag_name
from search.blocks import HEADING, ITEM, NUMBERED, PARAGRAPH, QUOTE

__all__ = ["LABEL_MAX", "Block", "drop_closing_notes", "drop_copies", "keep", "linearise", "norm_key"]

# Short blocks that are page chrome even inside the article container, in
# the languages of the archive's sources: ad labels, "read also" and
# "related" links, picture credits, share/print/follow prompts, bylines.
_BOILER_LINE = re.compile(
    r"^(?:advert|advertisement|advertising|sponsored(?: content)?|ad|ads|anzeige|werbung|publicidad|"
    r"publicité|pubblicità|reklama|oglas|оглас|реклама|story continues below|"
    r"explore further|also on \S+\.\w+.{0,200}|(?:like|enjoy|enjoyed) this (?:story|article)\?.{0,60}|"
    r"continue reading.*|read (?:more|next|also|the full story).*|see also.*|"
    r"related(?: articles| stories| coverage| content| links)?:?.*|"
    r"(?:lesen sie (?:auch|mehr|hier)|lies auch|auch interessant|mehr zum thema|zum weiterlesen|weiterlesen|"
    r"schon gelesen|das könnte (?:sie|dich) auch interessieren|empfehlungen aus der redaktion|"
    r"empfohlener redaktioneller inhalt|vorschau auf den nächsten artikel|à lire aussi|lire aussi|"
    r"voir aussi|lire la suite|zobacz (?:też|także)|czytaj (?:też|także|więcej)|leer también|lee también|"
    r"notas relacionadas|te puede interesar|leia também|veja também|leggi anche|"
    r"potrebbe interessarti|pročitajte još|прочитајте још|читайте также).{0,80}|"
    r"more (?:from|on|about) .{0,60}|share(?: this)?(?: article| story| page)?.{0,40}|"
    r"(?:share|follow|like) (?:on|us on) .{0,40}|follow \S.{0,60} on (?:twitter|facebook|instagram).{0,60}|"
    r"tweet|email|print|copy link|(?:rezept |artikel )?drucken|imprimer|imprimir|"
    r"comments?.{0,30}|(?:.{0,40}\s)?\d+ (?:comments?|kommentare?|commentaires?|comentarios?)|subscribe.{0,80}|"
    r"sign up.{0,80}|"
    # share and comment buttons and prompts in the archive's other languages
    r"social share|(?:(?:artikel|beitrag|seite) )?teilen:?|(?:möchten sie|möchtest du|willst du) (?:den|diesen) "
    r"(?:artikel|beitrag) teilen\?|(?:neueste )?kommentare|kommentarfunktion|(?:delete|report|add|leave|post) (?:a )?comment|"
    r"(?:kommentar|reaktion) hinzufügen|teile mich:?|recent posts|keep reading|view this post on instagram|"
    r"click to expand\W*|(?:war|ist) dieser (?:artikel|beitrag) hilfreich\?|impressum(?: \| datenschutz)?|"
    r"click here.{0,80}|loading.{0,20}|image(?: source| caption| credit)?:.{0,80}|"
    r"photo(?:graph)?(?: credit)?:.{0,80}|credit:.{0,80}|(?:foto|fotos|bild|bildquelle|quelle|"
    r"beitragsbild|bild anzeigen|crédit photo|créditos?)(?::.{0,80})?|(?:copyright|©).{0,100}|"
    r"all rights reserved.{0,60}|listen to (?:this|the) (?:article|story).{0,40}|"
    r"watch:.{0,80}|video:.{0,80}|recommended.{0,40}|trending.{0,40}|most (?:read|popular).{0,40}|"
    r"(?:updated|published|posted|last updated|first published|veröffentlicht|veröffentlichung|"
    r"publicado|publié|pubblicato|opublikowano)(?: on| at| am| le| el| il)?:? .{0,60}|"
    # a caption with its credit: "The new stop at dusk. Photo: City archive"
    r".{0,150}\b(?:photo|foto|fotos|bild)\s?:\s?\S.{0,80}|"
    # disclosures and reading times set above or below a story
    r"\W{0,3}(?:anzeige|werbung|advertorial|sponsored|publicidad|advertisement)\s*[.,:|–-].{0,120}|"
    r"this (?:post|article|page|story) (?:contains|may contain|includes) (?:affiliate|references to products|"
    r"sponsored|paid).{0,160}|dieser (?:beitrag|artikel) enthält (?:werbung|affiliate|anzeigen).{0,120}|"
    r"\d+\s*min(?:ute)?s?\.? (?:read|lesezeit)|lesezeit:? (?:ca\. )?\d+\s*min(?:uten|\.)?|"
    r"by [^.!?]{2,60}|you might also like.{0,40}|we recommend.{0,40}|"
    r"this (?:article|story) (?:was|has been|is) .{0,40}(?:updated|corrected|produced|published|originally).{0,160}|"
    r"(?:view|open) (?:image )?gallery.{0,40}|skip (?:to )?.{0,40}|"
    # labels of the contact and credits lines under a press release or a post
    r"(?:kontakt|pressekontakt|contact|media contact|telefon|phone|fax|e-?mail|weitere informationen|"
    r"more information|zusatzinformationen|autor(?:in|en)?|authors?|mehr themen|titelbild|"
    r"crédits? photos?|abbildung \d*|category|release date|last modified|aktualisiert am)\s*:.{0,60}|"
    r"aktualisiert am.{0,40}|quellen (?:ausblenden|anzeigen)|"
    # log-in and engagement prompts
    r"(?:sie müssen sich|bitte) (?:einloggen|anmelden).{0,80}|jetzt (?:registrieren|anmelden).{0,40}|"
    r"sie sind (?:aktuell |derzeit )?nicht (?:eingeloggt|angemeldet).{0,40}|you must be logged in.{0,80}|"
    r"kommentieren|antworten|reply|(?:dieser|der) (?:artikel|beitrag) gefällt (?:ihnen|dir)\?.{0,80}|"
    r"gefällt (?:dir|ihnen) (?:unser|unsere|dieser|dieses).{0,60}\?.{0,80}|"
    r"if you (?:enjoyed|liked) (?:reading )?this.{0,120}|s[ií]guenos en.{0,80}|follow us.{0,80}|"
    r"\(?noch keine bewertungen\)?|\W*)$",
    re.IGNORECASE,
)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NL = re.compile(r"\s*\n\s*")


@dataclass
class Block:
    text: str
    link_chars: int
    tag: str
    emphasis_chars: int = 0  # non-space characters inside <b>, <strong>, <i>, <em>
    kind: str = PARAGRAPH  # how the article sets it: one of search.blocks.KINDS
    group: int = 0  # the innermost <ul>/<ol> the block is in, numbered in page order (0: none)
    teaser: bool = False  # a link under a "Read more:" label (indexer.extract.teasers)


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def kind_of(tags: list[str]) -> str:
    """The kind of a block whose element and block ancestors are ``tags`` (outermost first)."""
    if "blockquote" in tags:
        return QUOTE
    if tags and tags[-1] in _HEADINGS:
        return HEADING
    for tag in reversed(tags):
        if tag in ("ul", "ol"):
            return NUMBERED if tag == "ol" else ITEM
    return ITEM if "li" in tags else PARAGRAPH


_EMPHASIS = frozenset({"b", "strong", "i", "em"})
_LISTS = frozenset({"ul", "ol"})


def linearise(container: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    parts: list[str] = []
    link_chars = emphasis_chars = 0
    link_depth = emphasis_depth = 0
    block_tags: list[str] = []
    lists = [0]  # open <ul>/<ol> elements, innermost last
    opened = 0

    def flush(tag: str) -> None:
        nonlocal parts, link_chars, emphasis_chars
        text = _NL.sub("\n", _WS.sub(" ", "".join(parts))).strip()
        if "\u00ad" in text:
            # Soft hyphens only say where a word may break: left in, they split
            # the word for search ("Mit\u00adtel\u00adalter" would not match "Mittelalter").
            text = text.replace("\u00ad", "")
        if text:
            blocks.append(Block(text, link_chars, tag, emphasis_chars, kind_of(block_tags), lists[-1]))
        parts = []
        link_chars = emphasis_chars = 0

    def add(text: str | None) -> None:
        nonlocal link_chars, emphasis_chars
        if text:
            parts.append(text.replace("\n", " "))
            if link_depth:
                link_chars += len(text.strip())
            if emphasis_depth:
                emphasis_chars += len(text) - sum(map(str.isspace, text))

    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = tag_name(el)
        if event == "start":
            if tag == "br":
                parts.append("\n")
            elif tag not in INLINE_TAGS:
                flush(block_tags[-1] if block_tags else "div")
                block_tags.append(tag)
                if tag in _LISTS:
                    opened += 1
                    lists.append(opened)
            if tag == "a":
                link_depth += 1
            elif tag in _EMPHASIS:
                emphasis_depth += 1
            add(el.text)
        else:
            if tag == "a":
                link_depth -= 1
            elif tag in _EMPHASIS:
                emphasis_depth -= 1
            if tag not in INLINE_TAGS and tag != "br":
                flush(tag)
                if block_tags:
                    block_tags.pop()
                if tag in _LISTS and len(lists) > 1:
                    lists.pop()
            if el is not container:
                add(el.tail)
    flush("div")
    return blocks


def norm_key(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().casefold()


_NEWSLETTER = re.compile(r"newsletter|mailing list", re.IGNORECASE)
_SIGN_UP = re.compile(r"sign(?:ing)? up|subscribe|delivered to your inbox|register", re.IGNORECASE)


# The publisher's notices set in the story, wherever they stand, in the languages
# of the archive's sources: opinion disclaimers, "no guarantee", the age of an
# archived story, the paywall's note to subscribers, donation and notification prompts,
# the consent placeholder standing in for an embed.
_SERVICE_NOTICE = re.compile(
    r"\b(?:views|opinions) expressed (?:here |in this (?:article|post|piece|column) )?are (?:those of|the author|"
    r"solely|my own)|\bdo(?:es)? not necessarily (?:reflect|represent) the (?:views|opinions)|"
    r"\bgibt (?:ausschließlich |nur )?die (?:persönliche )?meinung de[sr] (?:autor|verfasser)|"
    r"\bnicht (?:notwendigerweise|unbedingt) die (?:meinung|ansicht) der redaktion|"
    r"\b(?:alle )?angaben ohne gewähr\b|"
    r"\bthis (?:article|story) is (?:more|over) (?:than )?\d+ (?:years?|months?) old|"
    r"\bdieser (?:artikel|beitrag) ist (?:mehr als |über )?\d+ (?:jahre|monate) alt|"
    r"\balready (?:a )?(?:subscriber|member)\b.{0,60}\b(?:log|sign) ?in\b|"
    r"\bwesprzyj nas\b|\bbenachrichtigung(?:en)? aktivieren\b|\benable (?:push )?notifications\b|"
    r"^(?:externer inhalt|external content|eingebetteter inhalt|embedded content)\b|"
    r"\b(?:externe[nr]? inhalte?|external content|third[- ]party content|inhalte? (?:von )?drittanbieter\w*)\b.{0,200}"
    r"\b(?:zustimm|einverstanden|akzeptier|consent|agree|accept)|"
    # the publisher's rights and liability notes under a story
    r"\bcopyrighted (?:property|material) of\b|\bpermission (?:must be obtained|is required) (?:before|to|for) "
    r"(?:any )?(?:reprint|republish|reproduc)|\bis not responsible for the (?:opinions|views|content|statements)\b",
    re.IGNORECASE,
)

# A line made only of buttons' labels ("Rezept drucken Bei Pinterest speichern",
# "Bild anzeigen Bild schließen", "Buch bestellen"): one to three actions, nothing else.
_ACTION = (
    r"(?:(?:rezept|artikel|seite|recipe|article|page) )?(?:drucken|print|imprimer|imprimir|stampa)|"
    r"(?:bei|auf) pinterest (?:speichern|merken|pinnen)|(?:save|pin) (?:it|to pinterest|on pinterest)|"
    r"(?:dieses? \w+ )?als pdf (?:herunterladen|speichern)|(?:download|save) (?:as )?(?:a )?pdf|"
    r"(?:buch|jetzt|hier) (?:bestellen|kaufen)|(?:order|buy) now|bild (?:anzeigen|schließen)|vergrößern|enlarge"
)
_BUTTONS = re.compile(rf"^(?:\W*(?:{_ACTION})\W*){{1,3}}$", re.IGNORECASE)
LABEL_MAX = 80  # characters of a label line ("More from the column:") or a row of buttons

# "Also in the Gazette: <link>", "Lesen Sie auch: <link>", "À lire aussi » <link>": a short
# label and a link to another story.
_LABELLED_LINK = re.compile(r"^[^.!?:\n]{2,40}(?::|»|›|→)\s")


# A picture's caption ending in its credit, set as a block of its own:
# "The depot at dusk. | © City archive", "(Credit: Jane Doe / Grist)".
_CREDITED_CAPTION = re.compile(r"^.{0,200}(?:©|\((?:credit|photo|image|foto|bild)s?:)\s?[^.!?©]{2,60}\)?$",
                               re.IGNORECASE | re.DOTALL)
_CREDITED_MAX = 260  # characters of such a caption

# A figure's caption set in the text as a line of its own: "Figure 3: The depot at dusk."
_FIGURE_CAPTION = re.compile(
    r"(?:figure|fig\.|abbildung|abb\.|grafik|illustration|figura|rysunek)(?: \d+)?\s?:\s", re.IGNORECASE)
_CAPTION_MAX = 300  # characters (a caption can run to two sentences)


# The link that ends another story's teaser ("… Seht selbst! Weiterlesen", "… [czytaj więcej]").
_READ_ON = re.compile(
    r"(?:weiterlesen|read more|continue reading|mehr lesen|mehr erfahren|lire la suite|leer más|leia mais|"
    r"czytaj (?:dalej|więcej)|\[(?:czytaj więcej|więcej|mehr|more)\])\s*(?:»|›|→|>>|\.\.\.|…)?$", re.IGNORECASE)
_TEASER_MAX = 600  # characters of such a teaser


def keep(block: Block, title_key: str) -> bool:
    text = block.text
    if len(text) < _TEASER_MAX and block.link_chars and _READ_ON.search(text):
        return False
    if len(text) < 200 and _BOILER_LINE.match(text):
        return False
    if len(text) < _CAPTION_MAX and _FIGURE_CAPTION.match(text):
        return False
    if len(text) < _CREDITED_MAX and _CREDITED_CAPTION.match(text):
        return False
    if len(text) < 200 and block.link_chars >= 0.5 * len(text) and _LABELLED_LINK.match(text):
        return False
    if len(text) < 300 and ((_NEWSLETTER.search(text) and _SIGN_UP.search(text)) or _SERVICE_NOTICE.search(text)):
        return False  # newsletter pitch written as a paragraph, or the publisher's notice
    if len(text) < LABEL_MAX and _BUTTONS.match(text):
        return False
    if title_key and norm_key(text) == title_key:
        return False
    return True


_NOTE_MAX = 300  # characters of a closing note set in bold or italics, or of a closing appeal
_CLOSING = 6     # blocks at the end of the text where an appeal to readers is looked for
# The publisher's appeal to readers, in the languages of the archive's sources:
# get our app, join our channel, become a member, support us, subscribe.
_APPEAL = re.compile(
    r"\bapps?\b.{0,40}\b(?:download|herunterladen|descargar?|installieren)|(?:download|descarga|lade|holen sie sich)\w*"
    r"\b.{0,40}\bapps?\b|\b(?:get|for) the latest (?:news|stories|updates|headlines)\b|"
    r"\b(?:únete|join (?:us|our)|support (?:us|our)|unterstütze|hazte (?:miembro|socio)|"
    r"become a (?:member|subscriber|patron)|werden sie mitglied|werde mitglied|zeigen sie ihre wertschätzung|"
    r"(?:please )?subscribe (?:to|now)|abonnieren sie|suscríbete)\b|"
    r"\b(?:telegram|whatsapp|youtube)[- ]?(?:kanal|channel)|\bcanal de (?:telegram|youtube|whatsapp)",
    re.IGNORECASE,
)


# The heading of the note on the author that closes a post, in the languages of the archive's sources.
_ABOUT_AUTHOR = re.compile(
    r"^(?:about the (?:author|writer)s?|über (?:den|die) autor(?:in|en|innen)?|zu(?:r|m) autor(?:in)?|"
    r"sobre (?:el|la) autora?|à propos de l'auteure?|o autorze|sull'autore)\W*$", re.IGNORECASE)
_BIO_BLOCKS = 4    # blocks of a closing note on the author ...
_BIO_MAX = 600     # ... each at most this long


def drop_closing_notes(blocks: list[Block]) -> list[Block]:
    """Drop the notes that end the text: short lines wholly in bold or italics with
    a link, the publisher's appeals to readers (get our app, support us), and a
    closing "About the author" heading with the short note under it."""
    for i in range(max(len(blocks) - _BIO_BLOCKS - 1, 1), len(blocks)):
        if (len(blocks[i].text) < LABEL_MAX and _ABOUT_AUTHOR.match(blocks[i].text)
                and all(len(b.text) < _BIO_MAX for b in blocks[i + 1:])):
            blocks = blocks[:i]
            break
    end = len(blocks)
    kept = [b for i, b in enumerate(blocks)
            if i == 0 or i < end - _CLOSING or len(b.text) >= _NOTE_MAX or not _APPEAL.search(b.text)]
    end = len(kept)
    while end > 1 and _closing_note(kept[end - 1]):
        end -= 1
    return kept[:end]


def _closing_note(block: Block) -> bool:
    text = block.text
    return (len(text) < _NOTE_MAX and block.link_chars > 0
            and block.emphasis_chars >= 0.9 * (len(text) - sum(map(str.isspace, text))))


_COPY_MIN = 40       # characters of a paragraph that can be a copy
_LONE_COPY = 500     # a single repeated paragraph this long is a copy, not a refrain


def drop_copies(blocks: list[Block]) -> list[Block]:
    """Drop a second copy of the text (pages that carry mobile and desktop
    versions): a repeated paragraph goes only as part of a repeated run of two
    or more, or when it is too long to be a refrain or a repeated quote."""
    paragraphs = [b.text for b in blocks]
    first: dict[str, int] = {}
    drop = [False] * len(paragraphs)
    for i, text in enumerate(paragraphs):
        j = first.get(text)
        if j is None or len(text) < _COPY_MIN:
            first.setdefault(text, i)
            continue
        run_on = i + 1 < len(paragraphs) and j + 1 < i and paragraphs[i + 1] == paragraphs[j + 1]
        run_back = i > 0 and drop[i - 1] and j > 0 and paragraphs[i - 1] == paragraphs[j - 1]
        drop[i] = run_on or run_back or len(text) >= _LONE_COPY
    return [block for block, dropped in zip(blocks, drop) if not dropped]
