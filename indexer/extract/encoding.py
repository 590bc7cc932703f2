"""Turn the raw bytes of a saved page into text.

Order of trust: byte-order mark, then the charset the page declares (``<meta
charset>``, ``http-equiv`` content type, XML declaration), then detection.
Detection tries strict UTF-8 first (it almost never decodes non-UTF-8 text by
accident), then scores single-byte candidates by how plausible their letters
are for some language, because short pages give statistical detectors too
little to go on (Windows-1250 Serbian decodes "validly" as Windows-1252 too).
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

__all__ = ["BinaryContent", "decode_html", "looks_binary"]

log = logging.getLogger(__name__)


class BinaryContent(ValueError):
    """The bytes are not text (an image, an archive, NUL-heavy garbage)."""


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    # UTF-32 LE starts with the UTF-16 LE mark, so it must be checked first.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# File signatures of formats that are never a web page.
_MAGIC: tuple[bytes, ...] = (
    b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"\x00asm", b"\x7fELF", b"MZ",
    b"OggS", b"ID3", b"RIFF", b"\x00\x00\x01\x00", b"wOFF", b"wOF2",
)

_DECLARED = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)

# Labels browsers treat as something else (WHATWG encoding standard): pages
# labelled Latin-1 are really decoded as Windows-1252, and so on.
_ALIASES: dict[str, str] = {
    "latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252",
    "iso8859_9": "cp1254", "iso8859_11": "cp874", "tis_620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "ks_c_5601_1987": "cp949",
    "shift_jis": "cp932", "big5": "big5hkscs",
    # A page that says UTF-16 but whose bytes let us read the label is not UTF-16.
    "utf_16": "utf-8", "utf_16_le": "utf-8", "utf_16_be": "utf-8", "utf_32": "utf-8",
}

# Single-byte encodings that detection chooses among (plus the detector's pick).
_SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "iso8859_2", "koi8_r", "cp1257",
                "cp1253", "cp1254", "iso8859_15", "mac_cyrillic")

# Letters beyond ASCII that each language family actually writes. A correct
# decoding puts (nearly) all of a page's accented letters into one family;
# mojibake scatters them over several (Serbian "č ć đ" read as cp1252 gives
# "è æ ð": French, Danish and Icelandic at once).
_LANG_LETTERS: tuple[str, ...] = (
    "čćžšđ",                       # Serbian/Croatian/Bosnian/Slovene Latin
    "áčďéěíňóřšťúůýž",             # Czech
    "áäčďéíĺľňóôŕšťúýž",           # Slovak
    "ąćęłńóśźż",                   # Polish
    "áéíóöőúüű",                   # Hungarian
    "ăâîșşțţ",                     # Romanian
    "äöüß",                        # German
    "àâæçéèêëîïôœùûüÿ",            # French
    "áéíóúñü",                     # Spanish
    "àáâãçéêíóôõú",                # Portuguese
    "àèéìíòóù",                    # Italian
    "åäöæøéü",                     # Scandinavian
    "áðéíóúýþæö",                  # Icelandic
    "āčēģīķļņšūž",                 # Latvian
    "ąčęėįšųūž",                   # Lithuanian
    "äõöüšž",                      # Estonian
    "çğıöşü",                      # Turkish
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",      # Russian
    "абвгдђежзијклљмнњопрстћуфхцчџш",         # Serbian Cyrillic
    "абвгдеєжзиіїйклмнопрстуфхцчшщьюяґ",      # Ukrainian
    "абвгдежзийклмнопрстуфхцчшщъьюя",         # Bulgarian
    "абвгдѓежзѕијклљмнњопрстќуфхцчџш",        # Macedonian
    "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",  # Greek
)
_LANG_SETS: tuple[frozenset[str], ...] = tuple(frozenset(s) for s in _LANG_LETTERS)

# C0 control bytes that do not occur in text (tab, newlines, form feed and NUL excluded).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (0, 9, 10, 12, 13))

_NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f]\w*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are clearly not an HTML/text page."""
    head = raw[:65536]
    if head.startswith(_MAGIC):
        return True
    if not head:
        return False
    nul = head.count(0)
    if nul:
        # UTF-16/32 without a mark has NULs in every other (or 3 of 4) byte:
        # that is text, handled by decode_html, not binary.
        if _utf16_guess(head) is not None:
            return False
        if nul / len(head) > 0.01:
            return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


def _utf16_guess(head: bytes) -> str | None:
    """Name of the UTF-16/32 flavour of unmarked text whose ASCII has NUL halves."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if even > 0.8 and odd > 0.8:
        quads = [sample[i::4].count(0) / (len(sample) / 4) for i in range(4)]
        if quads[3] < 0.5 and min(quads[:3]) > 0.9:
            return "utf-32-be"
        if quads[0] < 0.5 and min(quads[1:]) > 0.9:
            return "utf-32-le"
        return None
    if odd > 0.6 and even < 0.2:
        return "utf-16-le"
    if even > 0.6 and odd < 0.2:
        return "utf-16-be"
    return None


def _codec_name(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    key = name.replace("-", "_")
    return _ALIASES.get(key, name)


def declared_charset(raw: bytes) -> str | None:
    """The Python codec named by the page's own charset declaration, if any."""
    match = _DECLARED.search(raw[:8192])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "replace")
    return _codec_name(label)


def plausibility(text: str) -> float:
    """Score how natural the non-ASCII part of a decoded text looks (higher is better).

    Counts accented letters that belong to the page's dominant language family
    and penalises control characters, replacement characters, letters of other
    families and case flips inside words ("пРИВЕТ", typical of KOI8-R vs cp1251).
    """
    words = _NON_ASCII_WORD.findall(text, 0, 400_000)[:3000]
    bad = len(_CONTROL.findall(text, 0, 400_000))
    if not words:
        return -3.0 * bad
    counts: dict[str, int] = {}
    flips = 0
    mixed = 0
    for word in words:
        prev_lower = False
        for ch in word:
            if ch > "\x7f":
                low = ch.lower()
                counts[low] = counts.get(low, 0) + 1
            is_lower = ch.islower()
            if prev_lower and ch.isupper():
                flips += 1
            prev_lower = is_lower
        if _mixes_scripts(word):
            mixed += 1
    total = sum(counts.values())
    best = 0
    for letters in _LANG_SETS:
        covered = sum(n for ch, n in counts.items() if ch in letters)
        best = max(best, covered)
    # Non-letters (symbols such as "¹" or "¾" inside words) count as misses.
    # A word that mixes alphabets ("poveжava": Latin text read with a Cyrillic
    # code page) is almost never real text, whatever its letter frequencies.
    return best - 1.5 * (total - best) - 2.0 * flips - 3.0 * bad - 4.0 * mixed


def _script(ch: str) -> int:
    """1 Latin, 2 Greek, 3 Cyrillic, 0 anything else (digits, marks, other scripts)."""
    if ch < "\x80":
        return 1 if ch.isalpha() else 0
    code = ord(ch)
    if 0xC0 <= code <= 0x24F or 0x1E00 <= code <= 0x1EFF:
        return 1 if ch.isalpha() else 0
    if 0x370 <= code <= 0x3FF:
        return 2
    if 0x400 <= code <= 0x52F:
        return 3
    return 0


def _mixes_scripts(word: str) -> bool:
    """Does ``word`` hold letters of two of the Latin, Greek and Cyrillic alphabets?"""
    seen = 0
    for ch in word:
        script = _script(ch)
        if script:
            if seen and script != seen:
                return True
            seen = script
    return False


def _detect(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[str] = list(_SINGLE_BYTE)
    guess = None
    try:
        # The detector is slow on big pages and only needs a sample.
        best = from_bytes(raw[:200_000], steps=5, chunk_size=512).best()
        guess = _codec_name(best.encoding) if best is not None else None
    except Exception as exc:  # noqa: BLE001 - a detector failure must not fail the page
        log.debug("charset detection failed: %s: %s", type(exc).__name__, exc)
        guess = None
    if guess and guess not in candidates:
        candidates.insert(0, guess)
    scored: list[tuple[float, int, str, str]] = []
    for rank, name in enumerate(candidates):
        try:
            text = raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        score = plausibility(text)
        if name == guess:
            score += 0.5  # break ties in the detector's favour
        scored.append((score, -rank, name, text))
    if not scored:
        return raw.decode("cp1252", "replace")
    scored.sort(reverse=True)
    return scored[0][3]


def decode_html(raw: bytes) -> str:
    """Decode page bytes to text; raises BinaryContent for non-text data."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, "replace")
    if looks_binary(raw):
        raise BinaryContent("binary data, not a text page")
    wide = _utf16_guess(raw[:65536]) if 0 in raw[:4096] else None
    if wide:
        return raw.decode(wide, "replace")
    declared = declared_charset(raw)
    if declared:
        try:
            text = raw.decode(declared)
        except UnicodeDecodeError:
            text = None
        except LookupError:
            text = None
        if text is not None:
            if declared == "cp1252" and not raw.isascii():
                # Pages mislabelled Latin-1 while served as UTF-8 are common;
                # UTF-8 that decodes strictly is overwhelmingly really UTF-8.
                try:
                    return raw.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            return text
        if declared == "utf-8":
            # Mostly UTF-8 with a few broken bytes (truncation, bad concatenation):
            # keep UTF-8 unless the damage says the label is wrong.
            lenient = raw.decode("utf-8", "replace")
            if lenient.count("\ufffd") <= max(3, len(raw) // 1000):
                return lenient
    return _detect(raw)
