"""Parse publication dates as pages write them, keeping the page's own zone.

A date with an offset becomes a tz-aware datetime in that offset (never
converted to UTC, so ``.date()`` is the calendar date readers saw); a date
without one stays naive; a bare date is midnight.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

__all__ = ["find_text_date", "is_decoy_label", "parse_date", "swapped_reading", "text_dates", "url_date"]

# Wide bounds: a page's claim of 1850 or 2099 must be parsed to be judged
# (and rejected as implausible by the caller), not silently skipped.
_MIN_YEAR = 1700
_MAX_YEAR = 2200

_ISO = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?(?!\d)",
    re.IGNORECASE,
)
_LOOSE_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
# JavaScript's Date.toString(): "Tue Nov 19 2019 03:05:46 GMT+0000 (Coordinated Universal Time)".
_JS_DATE = re.compile(r"[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s+GMT([+-]\d{2}:?\d{2})",
                      re.IGNORECASE)
_SLASHED_YMD = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")

# Month names (and their usual abbreviations) in the languages of the
# archive's sources: English, German, French, Spanish, Italian, Portuguese,
# Dutch, Polish and Russian (genitive, as dates write them), Serbian in both
# scripts, the Scandinavian languages, Finnish, Czech, Ukrainian (genitive),
# Turkish and Hungarian. (Croatian is left out: its "listopada" is October,
# Polish's is November.)
_MONTH_NAMES = (
    "january jan januar jänner jän janvier janv enero ene gennaio gen janeiro januari "
    "stycznia styczeń января јануар tammikuuta ledna січня ocak január",
    "february feb februar feber février févr fevrier febrero febbraio fevereiro fev februari "
    "lutego luty февраля фебруар helmikuuta února лютого şubat subat február",
    "march mar märz mär mrz maerz mars marzo março marco maart marca marzec марта mart март "
    "marts maaliskuuta března березня március",
    "april apr avril abril aprile avr kwietnia kwiecień апреля април huhtikuuta dubna квітня "
    "nisan április",
    "may mai mayo maggio maio mei maja maj мая мај toukokuuta května травня mayıs mayis május",
    "june jun juni juin junio giugno junho czerwca czerwiec июня јун kesäkuuta června червня "
    "haziran június",
    "july jul juli juillet juil julio luglio julho lipca lipiec июля јул heinäkuuta července "
    "липня temmuz július",
    "august aug août aout agosto ago augustus sierpnia sierpień августа avgust август augusti "
    "elokuuta srpna серпня ağustos agustos augusztus",
    "september sep sept septembre septiembre setiembre settembre setembro set septembar "
    "września wrzesień сентября септембар syyskuuta září вересня eylül eylul szeptember",
    "october oct oktober okt octobre octubre ottobre outubro out oktobar października "
    "październik октября октобар lokakuuta října жовтня ekim október",
    "november nov novembre noviembre novembro novembar listopada listopad ноября новембар "
    "marraskuuta listopadu листопада kasım kasim",
    "december dec dezember dez décembre déc decembre diciembre dic dicembre dezembro decembar "
    "grudnia grudzień декабря децембар desember joulukuuta prosince грудня aralık aralik",
)
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(_MONTH_NAMES, start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number
# A month is any word here, checked against _MONTHS in code: one alternation
# of a hundred names in the pattern would make every search slow.
_MONTH_RE = r"([^\W\d_]{3,12})\.?"

# "March 14, 2024" / "Mar. 14 2024" / "14 March 2024" / "14. März 2024" /
# "14 de mayo de 2024" / "le 14 mars 2024"
_MDY = re.compile(rf"(?<!\w){_MONTH_RE}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º)?\.?\s+(?:of\s+|de\s+)?{_MONTH_RE},?\s+(?:de\s+)?(\d{{4}})(?!\d)")
# Year first: "2019年6月24日" (Chinese, Japanese), "2019년 6월 24일" (Korean),
# "2020. február 19." (Hungarian).
_CJK = re.compile(r"(?<!\d)(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")
_YMD_NAMED = re.compile(rf"(?<!\d)(\d{{4}})\.\s+{_MONTH_RE}\s+(\d{{1,2}})\.")
# "14.03.2024" (European order) and "03/14/2024" (US order unless impossible)
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2}(?![\d.]))(?!\d)")
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def _make(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
          second: int = 0, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    upper = text.upper()
    if upper in ("Z", "UTC", "GMT"):
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4]) if len(digits) >= 4 else 0
    if hours > 14 or minutes > 59:
        return None
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _parse_iso(text: str) -> dt.datetime | None:
    """ISO 8601 (or compact 20240314) date with optional time and offset."""
    match = _ISO.search(text)
    if not match or (match.start() > 0 and text[: match.start()].strip().isdigit()):
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    hour = int(match.group(4) or 0)
    minute = int(match.group(5) or 0)
    second = int(match.group(6) or 0)
    # A compact "20240314" must not be read out of a long number such as a timestamp.
    compact = "-" not in match.group(0)[:10]
    if compact and len(re.sub(r"\D", "", text)) > 14:
        return None
    if hour > 23:
        hour = minute = second = 0
    return _make(year, month, day, hour, minute, min(second, 59), _zone(match.group(7)))


def parse_date(value: str | None) -> dt.datetime | None:
    """Parse a machine-readable date (ISO 8601, RFC 2822, compact, or written out)."""
    if not value:
        return None
    text = value.strip()[:100]
    if not text:
        return None
    result = _parse_iso(text)
    if result is not None:
        return result
    if text[:3].isalpha() and "," in text[:5]:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None and _MIN_YEAR <= parsed.year <= _MAX_YEAR:
            return parsed
    match = _JS_DATE.match(text)
    if match:
        month = _MONTHS.get(match.group(1).lower())
        return _make(int(match.group(3)), month, int(match.group(2)), int(match.group(4)), int(match.group(5)),
                     int(match.group(6)), _zone(match.group(7))) if month else None
    match = _LOOSE_ISO.match(text)
    if match:
        # "2022-5-5 22:17:36": a CMS that does not pad its numbers.
        numbers = (int(group or 0) for group in match.groups()[:6])
        return _make(*numbers, tz=_zone(match.group(7)))
    match = _SLASHED_YMD.search(text)
    if match:
        result = _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if result is not None:
            return result
    if text.isdigit() and len(text) in (10, 13):
        # Unix timestamps (seconds or milliseconds) carry no zone: report UTC.
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        try:
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return find_text_date(text)


# Labels that mark a date as something other than the publication date: an
# update, a copyright line, a comment time. Checked just before the date.
# Nor is a forum member's join date ("Registriert: 18.09.2008").
_DECOY_LABEL = re.compile(
    r"(?:updated|modified|edited|revised|changed|corrected|amended|aktualisiert|geändert|"
    r"bearbeitet|mis à jour|modifié|actualizado|aggiornato|bijgewerkt|zaktualizowano|"
    r"ažurirano|izmenjeno|ажурирано|измењено|обновлено|изменено|©|\(c\)|copyright|"
    r"registriert|registered|joined|member since|mitglied seit|inscrit le|registrado|"
    r"\b(?:born|geboren|née?|nacid[oa]|urodzon[ya])\b)"
    r"\W{0,3}(?:(?:on|at|am|um|le|el|il|op)\W+)?(?:[^\W\d]+,?\s+)?$",
    re.IGNORECASE,
)
_DECOY_WINDOW = 40
# A date followed by "born" in languages that put it after ("1975年1月28日出生"),
# or by its lunar-calendar equivalent: a life's date, not a publication's.
_BIRTH_AFTER = re.compile(r"\s*(?:[(（]\s*)?(?:出生|生于|生まれ|출생|农历|農曆|农曆|陰曆|음력)")


def _is_decoy(text: str, start: int, end: int | None = None) -> bool:
    if end is not None and _BIRTH_AFTER.match(text, end):
        return True
    return _DECOY_LABEL.search(text[max(0, start - _DECOY_WINDOW):start]) is not None


def is_decoy_label(before: str) -> bool:
    """Does ``before`` end with a label such as "Updated" or "©" that a date would follow?"""
    return bool(before) and _is_decoy(before.rstrip() + " ", len(before.rstrip()) + 1)


def text_dates(text: str, *, skip_decoys: bool = True,
               day_first: bool = False) -> list[tuple[int, int, dt.datetime]]:
    """Every date written out for readers in ``text``: (start, end, naive midnight), in text order.

    With ``skip_decoys`` a date introduced by "Updated", "Modified", "©" and
    the like is passed over: it is not when the story was published.
    ``day_first`` reads "02/10/2020" as 2 October (outside the US), else as
    February 2 (either way a first number above 12 is the day).
    """
    found: dict[int, tuple[int, int, dt.datetime]] = {}
    for pattern, order in ((_MDY, "mdy"), (_DMY, "dmy"), (_ISO, "iso"),
                           (_DOTTED, "dotted"), (_SLASHED, "slashed"), (_CJK, "cjk"), (_YMD_NAMED, "ymd")):
        for match in pattern.finditer(text):
            if match.start() in found or (skip_decoys and _is_decoy(text, match.start(), match.end())):
                continue
            date = _from_match(match, order, day_first)
            if date is not None:
                found[match.start()] = (match.start(), match.end(), date)
    return [found[k] for k in sorted(found)]


def find_text_date(text: str, *, skip_decoys: bool = True) -> dt.datetime | None:
    """The first date written out for readers in ``text`` (naive midnight)."""
    dates = text_dates(text, skip_decoys=skip_decoys)
    return dates[0][2] if dates else None


def swapped_reading(value: str | None) -> dt.datetime | None:
    """For a machine value that is a numeric date readable both ways
    ("10/05/2022 05:22 pm"), the reading ``parse_date`` did not take (day first)."""
    match = _SLASHED.match(value.strip()) if value else None
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first == second or first > 12 or second > 12:
        return None
    return _make(int(match.group(3)), second, first)


# Dates in URL paths: /2024/03/14/, /2024/3/14/, 2024-03-14, 2024_03_14, 20240314.
_URL_YMD = re.compile(r"(?<![\d])((?:1[89]|2\d)\d\d)([/_.-]?)(\d{1,2})\2(\d{1,2})(?![\d])")
# 14-03-2024 only when the day cannot be a month (else it may be US order).
_URL_DMY = re.compile(r"(?<![\d])(1[3-9]|2\d|3[01])([-_.])(0?[1-9]|1[0-2])\2((?:1[89]|2\d)\d\d)(?![\d])")


def url_date(url: str | None) -> dt.datetime | None:
    """The full date a URL's path carries (naive midnight), if it carries exactly one."""
    if not url:
        return None
    rest = url.split("://", 1)[-1]
    path = rest.split("/", 1)[1] if "/" in rest else ""
    path = path.split("#", 1)[0].split("?", 1)[0]
    found: set[dt.datetime] = set()
    for match in _URL_YMD.finditer(path):
        separator = match.group(2)
        if not separator and (len(match.group(3)) != 2 or len(match.group(4)) != 2):
            continue  # "2024314" is no date
        date = _make(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        if date is not None:
            found.add(date)
    for match in _URL_DMY.finditer(path):
        date = _make(int(match.group(4)), int(match.group(3)), int(match.group(1)))
        if date is not None:
            found.add(date)
    return found.pop() if len(found) == 1 else None


def _from_match(match: re.Match[str], order: str, day_first: bool = False) -> dt.datetime | None:
    if order == "mdy":
        month = _MONTHS.get(match.group(1).lower())
        return _make(int(match.group(3)), month, int(match.group(2))) if month else None
    if order == "dmy":
        month = _MONTHS.get(match.group(2).lower())
        return _make(int(match.group(3)), month, int(match.group(1))) if month else None
    if order == "cjk":
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if order == "ymd":
        month = _MONTHS.get(match.group(2).lower())
        return _make(int(match.group(1)), month, int(match.group(3))) if month else None
    if order == "iso":
        if "-" not in match.group(0)[:10]:
            return None  # bare 8-digit numbers in prose are rarely dates
        return _parse_iso(match.group(0))
    if order == "dotted":
        year = int(match.group(3))
        if len(match.group(3)) == 2:  # "31.10.23": this century unless that is in the future
            year += 2000 if 2000 + year <= dt.date.today().year else 1900
        return _make(year, int(match.group(2)), int(match.group(1)))
    first, second = int(match.group(1)), int(match.group(2))
    if day_first:
        day, month = (second, first) if second > 12 else (first, second)
    else:
        month, day = (second, first) if first > 12 else (first, second)
    return _make(int(match.group(3)), month, day)
