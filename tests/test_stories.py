"""Story assignment (indexer.stories): MinHash signatures and incremental LSH clustering, no engine."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.stories import NUM_PERM, Stories, new_story_id, shingles, signature
from tests.story_texts import edited, story


def jaccard_estimate(a: str, b: str) -> float:
    return float(np.mean(np.frombuffer(signature(a), "<u4") == np.frombuffer(signature(b), "<u4")))


def test_signature_estimates_the_jaccard_of_5_word_shingles():
    a, b = story(1), edited(story(1), 30, 90)
    exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
    assert 0.8 < exact < 0.95
    assert abs(jaccard_estimate(a, b) - exact) < 0.12
    assert len(signature(a)) == NUM_PERM * 4 and signature(a) == signature(a)
    assert jaccard_estimate(story(1), story(2)) < 0.1
    assert signature("") == b"" and shingles("Too short") == {b"too short"}


def test_copies_join_one_story_and_different_stories_stay_apart():
    stories = Stories(lambda: [])
    a = stories.assign("/a.html", signature(story(1)), "h1")
    assert a == new_story_id("/a.html", "h1")
    assert stories.assign("/a-copy.html", signature(story(1)), "h2") == a
    assert stories.assign("/a-edited.html", signature(edited(story(1), 10, 70)), "h3") == a
    b = stories.assign("/b.html", signature(story(2)), "h4")
    assert b != a
    assert len(stories) == 4


def test_a_changed_article_moves_and_a_removed_one_leaves():
    stories = Stories(lambda: [])
    a = stories.assign("/a.html", signature(story(1)), "h1")
    b = stories.assign("/b.html", signature(story(2)), "h2")
    assert stories.assign("/c.html", signature(story(1)), "h3") == a
    # /c.html now carries story 2's text: it leaves story a and joins b.
    assert stories.assign("/c.html", signature(story(2)), "h4") == b
    assert stories.assign("/d.html", signature(story(1)), "h5") == a
    stories.remove("/a.html")
    stories.remove("/d.html")
    # No member of story a is left: a new copy starts a story of its own.
    assert stories.assign("/e.html", signature(story(1)), "h6") == new_story_id("/e.html", "h6")
    assert len(stories) == 3


def test_known_stories_are_read_once_and_only_when_needed():
    reads = []

    def known():
        reads.append(1)
        return [("/a.html", "story-a", signature(story(1))), ("/gone.html", "story-g", signature(story(3))),
                ("/empty.html", "story-e", b"")]

    stories = Stories(known)
    stories.remove("/gone.html")  # removed before anything was read: never loaded
    assert reads == []
    assert stories.assign("/copy.html", signature(edited(story(1), 50)), "h") == "story-a"
    assert stories.assign("/g2.html", signature(story(3)), "h") == new_story_id("/g2.html", "h")
    assert reads == [1] and len(stories) == 3


def test_the_threshold_decides():
    a, b = story(1), edited(story(1), 10, 40, 70, 100)  # ~0.7 alike
    strict = Stories(lambda: [], threshold=0.95)
    assert strict.assign("/a", signature(a), "1") != strict.assign("/b", signature(b), "2")
    lenient = Stories(lambda: [], threshold=0.5)
    assert lenient.assign("/a", signature(a), "1") == lenient.assign("/b", signature(b), "2")
    with pytest.raises(ValueError):
        Stories(lambda: [], threshold=0)


def test_an_article_without_words_is_a_story_of_its_own():
    stories = Stories(lambda: [])
    assert stories.assign("/x", b"", "h") == new_story_id("/x", "h")
    assert stories.assign("/y", b"", "h") == new_story_id("/y", "h")


def test_a_long_run_finds_copies_in_sealed_and_merged_tables(monkeypatch):
    # Small tables, so a few hundred articles go through sealing, merging and the merge cap.
    monkeypatch.setattr("indexer.stories.TAIL", 8)
    monkeypatch.setattr("indexer.stories.MERGED_MAX", 32)
    stories = Stories(lambda: [])
    first = {n: stories.assign(f"/{n}.html", signature(story(n)), f"h{n}") for n in range(120)}
    assert len(set(first.values())) == 120
    assert len(stories._tables) > 2 and max(len(t) for t in stories._tables) <= 32
    for n in range(120):  # copies arrive long after their originals were sealed away
        assert stories.assign(f"/{n}-copy.html", signature(story(n)), f"c{n}") == first[n]
    for n in range(0, 120, 2):
        stories.remove(f"/{n}.html")
        stories.remove(f"/{n}-copy.html")
    assert len(stories) == 120
    # A story whose members all left is gone: its text starts a story of its own again.
    assert stories.assign("/again.html", signature(story(0)), "a") == new_story_id("/again.html", "a")
    assert stories.assign("/again-1.html", signature(story(1)), "b") == first[1]
