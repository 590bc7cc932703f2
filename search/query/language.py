"""The query language, read leniently into a small syntax tree.

Grammar (loosest binding first)::

    query   := seq ("OR" seq)*
    seq     := unary*                 joined by the request's operator (and/or);
                                      an explicit "AND" binds its two neighbours
    unary   := ("NOT" | "-") unary | primary
    primary := "(" query ")" | word | "phrase"[~N] | field:word | field:"phrase"
             | field:(query) | date:VALUE | date:[FROM TO TO]

Only upper-case AND/OR/NOT are operators, so "war and peace" is three words.
Every repair of malformed input (unbalanced quotes or parentheses, dangling
operators, unknown fields, half-typed dates) is reported as a warning; nothing
here raises for bad syntax. The tree's node types are in :mod:`search.query.tree`;
this module knows nothing about any search engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import dates
from .tree import DateClause, Junction, Negation, Node, Parsed, Phrase, Word

#: Fields a user may name, mapped to the schema's searchable family.
USER_FIELDS = ("title", "body", "section", "author")
DATE_FIELD = "date"
#: Proximity above this many words is no longer a phrase in any useful sense.
MAX_SLOP = 50
MAX_FUZZY = 2


# --- lexing --------------------------------------------------------------

_FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)
_FUZZY_RE = re.compile(r"^(.*?)~(\d*)$", re.S)
_SLOP_RE = re.compile(r"~(\d*)")


@dataclass
class _Tok:
    kind: str  # LP RP OR AND NOT WORD PHRASE DATE FIELDLP
    value: object = None
    pos: int = 0
    end: int = 0
    field: str | None = None


class _Lexer:
    def __init__(self, text: str, warnings: list[str]):
        self.s = text
        self.i = 0
        self.warnings = warnings
        self.tokens: list[_Tok] = []

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def run(self) -> list[_Tok]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c.isspace():
                self.i += 1
            elif c == "(":
                self.tokens.append(_Tok("LP", pos=self.i))
                self.i += 1
            elif c == ")":
                self.tokens.append(_Tok("RP", pos=self.i))
                self.i += 1
            elif c == '"':
                self._phrase(None)
            elif c == "-" and self.i + 1 < len(s) and not s[self.i + 1].isspace():
                # "-word" negates; "a - b" is a lone hyphen, handled below.
                self.tokens.append(_Tok("NOT", pos=self.i))
                self.i += 1
            else:
                self._bare()
        return self.tokens

    def _phrase(self, fieldname: str | None) -> None:
        s = self.s
        start = self.i
        close = s.find('"', start + 1)
        if close < 0:
            self.warn("closed an unbalanced quote: the text after it was read as a phrase")
            text, self.i = s[start + 1:], len(s)
        else:
            text, self.i = s[start + 1:close], close + 1
        slop = 0
        m = _SLOP_RE.match(s, self.i)
        if m:
            self.i = m.end()
            if m.group(1):
                slop = int(m.group(1))
                if slop > MAX_SLOP:
                    self.warn(f"proximity ~{slop} reduced to ~{MAX_SLOP} (the largest allowed)")
                    slop = MAX_SLOP
            else:
                self.warn('"phrase"~ needs a number of words (e.g. ~3): read as an exact phrase')
        self.tokens.append(_Tok("PHRASE", Phrase(text, fieldname, slop), pos=start, end=self.i))

    def _bare(self) -> None:
        s = self.s
        start = self.i
        j = start
        while j < len(s) and not s[j].isspace() and s[j] not in '()"':
            j += 1
        raw = s[start:j]
        self.i = j
        if raw in ("OR", "AND", "NOT"):
            self.tokens.append(_Tok(raw, pos=start))
            return
        if raw == "-":
            self.warn("ignored a lone '-' (write -word to exclude a word)")
            return
        if raw.startswith("+"):
            raw, start = raw.lstrip("+"), start + len(raw) - len(raw.lstrip("+"))
            if not raw:
                return
        m = _FIELD_RE.match(raw)
        if m:
            name, rest = m.group(1), m.group(2)
            lname = name.lower()
            if lname == DATE_FIELD:
                self._date(start, start + len(name) + 1, rest)
                return
            if lname in USER_FIELDS:
                if rest:
                    self._word(rest, start + len(name) + 1, lname)
                elif j < len(s) and s[j] == '"':
                    self._phrase(lname)
                elif j < len(s) and s[j] == "(":
                    self.tokens.append(_Tok("FIELDLP", pos=start, field=lname))
                    self.i = j + 1
                else:
                    self.warn(f"ignored '{name}:' with nothing after it")
                return
            self.warn(f"unknown field '{name}:' (fields are title, body, section, author, "
                      f"date): searched '{name} {rest}' as ordinary words" if rest else
                      f"unknown field '{name}:' (fields are title, body, section, author, date): "
                      f"searched '{name}' as an ordinary word")
            self._word(name, start, None)
            if rest:
                self._word(rest, start + len(name) + 1, None)
            return
        self._word(raw, start, None)

    def _word(self, raw: str, start: int, fieldname: str | None) -> None:
        prefix, fuzzy = False, 0
        text = raw
        m = _FUZZY_RE.match(text)
        if m and "~" in text:
            text = m.group(1)
            fuzzy = int(m.group(2)) if m.group(2) else 1
            if fuzzy > MAX_FUZZY:
                self.warn(f"fuzzy '{raw}' reduced to ~{MAX_FUZZY} (the largest edit distance allowed)")
                fuzzy = MAX_FUZZY
        if text.endswith("*"):
            stripped = text.rstrip("*")
            prefix = True
            text = stripped
        if "*" in text or "?" in text:
            cleaned = text.replace("*", "").replace("?", "")
            self.warn(f"wildcards are only supported at the end of a word: '{raw}' read as '{cleaned}"
                      f"{'*' if prefix else ''}'")
            text = cleaned
        if prefix and fuzzy:
            self.warn(f"'{raw}': a word cannot be both a prefix and fuzzy; read as a prefix")
            fuzzy = 0
        if not text:
            self.warn(f"ignored '{raw}': nothing to search for")
            return
        self.tokens.append(_Tok("WORD", Word(text, fieldname, prefix, fuzzy, (start, start + len(text))),
                                pos=start))

    def _date(self, start: int, value_start: int, rest: str) -> None:
        s = self.s
        if rest.startswith("[") or rest.startswith("{"):
            close = s.find("]", value_start)
            close_curly = s.find("}", value_start)
            if close < 0 or (0 <= close_curly < close):
                close = close_curly
            if close < 0:
                self.warn("closed an unbalanced '[' in a date range")
                inner, self.i = s[value_start + 1:], len(s)
            else:
                inner, self.i = s[value_start + 1:close], close + 1
            self._date_range(inner)
            return
        if not rest:
            self.warn("ignored 'date:' with nothing after it")
            return
        try:
            rng = dates.covering(rest)
        except dates.BadDate:
            fixed = _repair_date(rest)
            if fixed is None:
                self.warn(f"ignored 'date:{rest}': not a date (use YYYY, YYYY-MM or YYYY-MM-DD)")
                return
            self.warn(f"read 'date:{rest}' as 'date:{fixed}'")
            rng = dates.covering(fixed)
        self.tokens.append(_Tok("DATE", DateClause(rng), pos=start))

    def _date_range(self, inner: str) -> None:
        parts = re.split(r"\s+TO\s+|\s+to\s+", inner.strip(), maxsplit=1)
        if len(parts) == 1:
            parts = inner.strip().split()
            if len(parts) == 2:
                self.warn(f"date range '[{inner}]' has no 'TO': read as [{parts[0]} TO {parts[1]}]")
            else:
                lone = parts[0] if parts else ""
                parts = [lone, "*"]
                self.warn(f"date range '[{inner}]' has no 'TO': read as from {lone or 'any date'}")
        lo_text, hi_text = (p.strip() for p in parts)
        lo, hi = dates.FIRST_DAY, dates.LAST_DAY
        if lo_text not in ("", "*"):
            lo = self._bound(lo_text, dates.first_day, "start")
        if hi_text not in ("", "*"):
            hi = self._bound(hi_text, dates.last_day, "end")
        rng = dates.DayRange(lo, hi)
        if rng.empty:
            self.warn(f"date range '[{inner}]' ends before it starts: it matches nothing")
        self.tokens.append(_Tok("DATE", DateClause(rng)))

    def _bound(self, text: str, fn, which: str) -> int:
        try:
            return fn(text)
        except dates.BadDate:
            fixed = _repair_date(text)
            if fixed is None:
                self.warn(f"ignored the date range's {which} '{text}': not a date")
                return dates.FIRST_DAY if which == "start" else dates.LAST_DAY
            self.warn(f"read date '{text}' as '{fixed}'")
            return fn(fixed)


def _repair_date(text: str) -> str | None:
    """Best reading of a half-typed date: '2025-5' -> '2025-05', '2025-05-' -> '2025-05'."""
    parts = [p for p in re.split(r"[-/.]", text.strip()) if p]
    if not parts or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year = parts[0]
    out = year
    if len(parts) > 1:
        month = int(parts[1])
        if not 1 <= month <= 12:
            return out
        out += f"-{month:02d}"
        if len(parts) > 2:
            candidate = f"{out}-{int(parts[2]):02d}"
            try:
                dates.covering(candidate)
                out = candidate
            except dates.BadDate:
                pass
    return out


# --- parsing -------------------------------------------------------------


class _Parser:
    _STARTERS = ("LP", "NOT", "WORD", "PHRASE", "DATE", "FIELDLP")

    def __init__(self, tokens: list[_Tok], operator: str, warnings: list[str]):
        self.toks = tokens
        self.i = 0
        self.op = operator
        self.warnings = warnings
        self.depth = 0

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def peek(self) -> str | None:
        return self.toks[self.i].kind if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
        node = self.query(None)
        while self.i < len(self.toks):
            # Only a stray ")" can stop the top level early.
            self.warn("ignored an unmatched ')'")
            self.i += 1
            more = self.query(None)
            node = _join(self.op, [n for n in (node, more) if n is not None])
        return node

    def query(self, fieldname: str | None) -> Node | None:
        parts: list[Node] = []
        first = self.seq(fieldname)
        if first is not None:
            parts.append(first)
        elif self.peek() == "OR":
            self.warn("ignored 'OR' with nothing before it")
        while self.peek() == "OR":
            self.i += 1
            while self.peek() == "OR":
                self.i += 1
                self.warn("ignored a repeated 'OR'")
            if self.peek() not in self._STARTERS:
                self.warn("ignored 'OR' with nothing after it")
                continue
            nxt = self.seq(fieldname)
            if nxt is not None:
                parts.append(nxt)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Junction("or", parts)

    def seq(self, fieldname: str | None) -> Node | None:
        # Groups of units bound by explicit AND; the groups are joined by the
        # request's operator.
        groups: list[list[Node]] = []
        pending_and = False
        while self.peek() not in (None, "RP", "OR"):
            if self.peek() == "AND":
                self.i += 1
                if not groups or self.peek() not in self._STARTERS:
                    self.warn("ignored 'AND' with nothing on one side")
                else:
                    pending_and = True
                continue
            unit = self.unary(fieldname)
            if unit is None:
                continue
            if pending_and and groups:
                groups[-1].append(unit)
            else:
                groups.append([unit])
            pending_and = False
        nodes = [g[0] if len(g) == 1 else Junction("and", g) for g in groups]
        if not nodes:
            return None
        return _join(self.op, nodes)

    def unary(self, fieldname: str | None) -> Node | None:
        if self.peek() == "NOT":
            self.i += 1
            if self.peek() not in self._STARTERS:
                self.warn("ignored 'NOT' (or '-') with nothing after it")
                return None
            child = self.unary(fieldname)
            if child is None:
                return None
            if isinstance(child, Negation):
                return child.child  # NOT NOT x
            return Negation(child)
        return self.primary(fieldname)

    def primary(self, fieldname: str | None) -> Node | None:
        tok = self.toks[self.i]
        self.i += 1
        if tok.kind in ("LP", "FIELDLP"):
            inner_field = tok.field if tok.kind == "FIELDLP" else fieldname
            node = self.query(inner_field)
            if self.peek() == "RP":
                self.i += 1
            else:
                self.warn("closed an unbalanced '('")
            if node is None:
                self.warn("ignored empty parentheses")
            return node
        if tok.kind == "WORD":
            word: Word = tok.value  # type: ignore[assignment]
            if word.field is None and fieldname is not None:
                word.field = fieldname
            return word
        if tok.kind == "PHRASE":
            phrase: Phrase = tok.value  # type: ignore[assignment]
            if phrase.field is None and fieldname is not None:
                phrase.field = fieldname
            return phrase
        if tok.kind == "DATE":
            return tok.value  # type: ignore[return-value]
        raise AssertionError(tok.kind)


def _join(op: str, nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return Junction(op, nodes)


def parse(text: str, operator: str = "and") -> Parsed:
    """Read query text into a tree; never raises for malformed input."""
    warnings: list[str] = []
    tokens = _Lexer(text, warnings).run()
    tree = _Parser(tokens, operator, warnings).parse()
    return Parsed(tree, warnings)
