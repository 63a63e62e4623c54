"""Exact near-duplicate and top-k neighbour search against a plain double loop."""

from __future__ import annotations

import numpy as np

from nexus_platform.embeddings import similarity
from nexus_platform.embeddings.similarity import near_duplicate_pairs, top_k_neighbours


def _unit(rng, n, dim=16):
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_near_duplicates_only_across_files(monkeypatch):
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 40)
    vectors[5] = vectors[3]  # same file as 3: not reported
    vectors[20] = vectors[3] + 0.01 * rng.normal(size=16)  # another file: reported
    vectors[20] /= np.linalg.norm(vectors[20])
    ids = [f"r{i}" for i in range(40)]
    files = ["a.pdf" if i < 10 else f"f{i}.csv" for i in range(40)]
    # Tiny blocks exercise the block boundaries.
    monkeypatch.setattr(similarity, "_BLOCK_BUDGET_FLOATS", 7 * 40)
    pairs = near_duplicate_pairs(ids, files, vectors, threshold=0.97)
    expected = {
        (ids[i], ids[j])
        for i in range(40)
        for j in range(i + 1, 40)
        if files[i] != files[j] and float(vectors[i] @ vectors[j]) >= 0.97
    }
    assert {(p.a, p.b) for p in pairs} == expected
    assert ("r3", "r20") in expected and ("r5", "r20") in expected
    assert ("r3", "r5") not in expected


def test_top_k_matches_brute_force(monkeypatch):
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 30, dim=4)
    ids = [f"r{i}" for i in range(30)]
    monkeypatch.setattr(similarity, "_BLOCK_BUDGET_FLOATS", 4 * 30)
    edges = top_k_neighbours(ids, vectors, k=3, threshold=0.5)
    sims = vectors @ vectors.T
    for i in range(30):
        ranked = [j for j in np.argsort(-sims[i]) if j != i][:3]
        want = [f"r{j}" for j in ranked if sims[i, j] >= 0.5]
        got = [e.b for e in edges if e.a == f"r{i}"]
        assert got == want
    assert top_k_neighbours(["only"], vectors[:1], k=3) == []
