"""Story assignment at scale: the band tables against a brute-force reference, and the process's malloc setting."""

from __future__ import annotations

import ctypes
import logging

import numpy as np

from indexer import stories as stories_module
from indexer.stories import NUM_PERM, TAIL, Stories, _band_keys, new_story_id


def reference(entries: list[tuple[str, bytes, str]], shape: tuple[int, int], threshold: float,
              removed_at: dict[int, str]) -> list[str]:
    """Each article's story by comparing it with every earlier live article (no tables)."""
    sources: list[str] = []
    values: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    story_of: list[str] = []
    alive: list[bool] = []
    out = []
    for i, (source, sig, content_hash) in enumerate(entries):
        for gone in ([removed_at[i]] if i in removed_at else []) + [source]:
            for row, s in enumerate(sources):
                if s == gone:
                    alive[row] = False
        v = np.frombuffer(sig, dtype="<u4")
        k = _band_keys(v[None, :], *shape)[0]
        best, best_score = None, threshold
        for row in range(len(sources)):
            if alive[row] and (keys[row] == k).any():
                score = float((values[row] == v).mean())
                if score > best_score or (score == best_score and (best is None or story_of[row] < best)):
                    best, best_score = story_of[row], score
        story = best if best is not None else new_story_id(source, content_hash)
        sources.append(source), values.append(v), keys.append(k), story_of.append(story), alive.append(True)
        out.append(story)
    return out


def synthetic(n: int, seed: int) -> list[tuple[str, bytes, str]]:
    """Signatures in groups of near-duplicates (4 to 40 of 128 values changed), some sources repeated."""
    rng = np.random.default_rng(seed)
    entries, base = [], None
    for i in range(n):
        if base is not None and i % 4:
            v = base.copy()
            changed = int(rng.integers(4, 40))
            v[rng.integers(0, NUM_PERM, changed)] = rng.integers(0, 2**32, changed, dtype=np.uint32)
        else:
            v = base = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32)
        source = f"/s/{i % (n - 50) if i > n - 50 else i}.html"  # the last 50 replace earlier articles
        entries.append((source, v.astype("<u4").tobytes(), f"h{i}"))
    return entries


def test_band_tables_assign_as_brute_force_does_across_tails_merges_and_removals():
    n = 3 * TAIL + 300  # several sealed tails, merged tables and a live tail
    entries = synthetic(n, seed=3)
    removed_at = {i: f"/s/{i - 700}.html" for i in range(1500, n, 97)}
    stories = Stories(lambda: [])
    got = []
    for i, entry in enumerate(entries):
        if i in removed_at:
            stories.remove(removed_at[i])
        got.append(stories.assign(*entry))
    want = reference(entries, stories._shape, stories.threshold, removed_at)
    assert got == want
    assert len(set(got)) < n / 2  # near-duplicates did join stories


def test_stored_entries_read_as_a_stream_assign_as_brute_force_does():
    entries = synthetic(1200, seed=4)
    first = Stories(lambda: [])
    known = [(source, first.assign(source, sig, h), sig) for source, sig, h in entries[:800]]
    later = Stories(lambda: iter(known))  # an iterator: read once
    got = [later.assign(*entry) for entry in entries[800:]]
    want = reference(entries, later._shape, later.threshold, {})[800:]
    assert got == want


def test_malloc_threshold_is_fixed_and_a_missing_mallopt_is_logged(monkeypatch, caplog):
    assert stories_module.steady_malloc() is True  # glibc, as on every supported host

    def no_libc(name):
        raise OSError("no C library here")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    with caplog.at_level(logging.DEBUG, logger="indexer.stories"):
        assert stories_module.steady_malloc() is False
        Stories(lambda: [])  # still usable
    assert "mallopt unavailable" in caplog.text
