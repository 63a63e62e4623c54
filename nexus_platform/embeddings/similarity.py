"""Exact cosine neighbourhoods over a set of L2-normalised vectors.

Near-duplicates (semantic duplicates across files, what the team used Levenshtein for) and
the top-k SIMILAR_TO neighbours of the knowledge graph. Exact blocked matrix products: the
similarity matrix is never held whole, a block of rows at a time stays under ~256 MB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_DUPLICATE_THRESHOLD = 0.97
_BLOCK_BUDGET_FLOATS = 64 * 1024 * 1024


@dataclass(frozen=True)
class SimilarPair:
    a: str
    b: str
    score: float


def _row_blocks(vectors: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    n = len(vectors)
    block = max(1, min(2048, _BLOCK_BUDGET_FLOATS // max(n, 1)))
    for start in range(0, n, block):
        yield start, vectors[start : start + block] @ vectors.T


def near_duplicate_pairs(
    ids: Sequence[str],
    files: Sequence[str | None],
    vectors: np.ndarray,
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
) -> list[SimilarPair]:
    """Pairs of records from different files with cosine >= threshold, best first."""
    vectors = np.asarray(vectors, dtype=np.float32)
    file_codes = np.unique(np.asarray([f or "" for f in files], dtype=object), return_inverse=True)[
        1
    ]
    pairs: list[SimilarPair] = []
    for start, sims in _row_blocks(vectors):
        rows, cols = np.nonzero(sims >= threshold)
        rows_global = rows + start
        keep = (cols > rows_global) & (file_codes[rows_global] != file_codes[cols])
        for r, c, rg in zip(rows[keep], cols[keep], rows_global[keep], strict=True):
            pairs.append(SimilarPair(ids[rg], ids[c], float(min(sims[r, c], 1.0))))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def top_k_neighbours(
    ids: Sequence[str], vectors: np.ndarray, k: int = 5, threshold: float = 0.8
) -> list[SimilarPair]:
    """For each record, its (at most k) most similar other records with cosine >= threshold."""
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    k = min(k, n - 1)
    if k <= 0:
        return []
    out: list[SimilarPair] = []
    for start, sims in _row_blocks(vectors):
        local = np.arange(len(sims))
        sims[local, local + start] = -np.inf  # a record is not its own neighbour
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        for r in range(len(sims)):
            for c, score in zip(top[r], top_scores[r], strict=True):
                if score >= threshold:
                    out.append(SimilarPair(ids[start + r], ids[c], float(min(score, 1.0))))
    return out
