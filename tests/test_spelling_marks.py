"""The spellings panel's sample reads the marked words of each text with set
operations (``TokenMarks``): the same words, in the same order, as a walk over
every token."""

from __future__ import annotations

import random

from search.engines.whoosh.highlight import HighlightSpec, TokenMarks, _TOKEN_RE, _matches

WORDS = ["Oil", "oil", "OIL", "oils", "toil", "Prices", "price", "priced", "pricing", "Vučić", "Вучић", "vucic",
         "bank", "banks", "the", "of", "exports", "export", "wheat", "U.S.", "o'neil", "crude"]


def walked(text: str, spec: HighlightSpec) -> list[str]:
    """Every token in order, the first time each is seen."""
    return [t for t in dict.fromkeys(_TOKEN_RE.findall(text)) if _matches(t, spec)]


def test_token_marks_give_the_words_a_token_walk_gives_in_order():
    spec = HighlightSpec(stems={"oil", "price"}, words={"vucic"}, prefixes={"export"})
    rng = random.Random(3)
    marks = TokenMarks(spec)
    found_any = 0
    for _ in range(300):
        text = " ".join(rng.choice(WORDS) + rng.choice(["", ",", "."]) for _ in range(rng.randint(0, 40)))
        got = marks.of(text)
        assert got == walked(text, spec)
        found_any += len(got) > 1
    assert found_any > 100  # most texts had several marked words to order
