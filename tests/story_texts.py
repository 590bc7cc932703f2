"""Bodies for story-cluster tests: distinct stories, and copies of one with small edits.

Each story is ~120 words drawn (seeded) from a newsroom vocabulary, so two
stories share almost no 5-word shingle while a copy with two words changed
keeps an estimated Jaccard similarity around 0.85.
"""

from __future__ import annotations

import random

_WORDS = """council harbour budget mayor port vote plan ferry bridge school teachers strike union
pay rise hospital nurses ward minister housing rent tenants landlord market prices bread
coffee farmers rain flood river bank road closure police officers court judge trial jury
verdict museum exhibition painter concert orchestra festival crowd stadium club coach
season goal match league fans ticket train station line delay tram cyclists lane parking
fees shop owners street tree park library opening hours volunteers charity donation fund
report audit spending tax rate business jobs factory workers steel mill closure energy
plant wind solar grid power cuts winter storm snow ice schools closed airport flights
runway noise residents complaint petition signatures meeting evening hall debate""".split()


def story(seed: int, words: int = 120) -> str:
    """A body of ``words`` words, the same for the same ``seed``."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(words)) + "."


def edited(body: str, *positions: int) -> str:
    """``body`` with the words at ``positions`` replaced (a copy re-edited by another outlet)."""
    words = body.split(" ")
    for p in positions:
        words[p] = "zanzibar" if words[p] != "zanzibar" else "quokka"
    return " ".join(words)
