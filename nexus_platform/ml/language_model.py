"""A count-based language model of the knowledge base: co-occurrence (PPMI) and a smoothed n-gram.

Text is tokenised with NLTK's regular-expression tokeniser and Snowball-stemmed (neither needs a
corpus download). Words seen fewer than `min_count` times become `<unk>`. The co-occurrence
matrix counts stems within `window` positions, weighted to positive PMI, and answers `related`.
The n-gram model is interpolated Kneser-Ney (absolute discount), answering `score` (perplexity).
Stored as JSON + a sparse `.npz`, no pickles.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

UNK, BOS, EOS = "<unk>", "<s>", "</s>"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class LanguageModelConfig:
    order: int = 3
    window: int = 4
    min_count: int = 2
    discount: float = 0.75
    language: str = "english"

    @classmethod
    def from_spec(cls, model: dict) -> LanguageModelConfig:
        unknown = set(model) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown model settings {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}"
            )
        config = cls(**model)
        if config.order < 1 or config.window < 1 or config.min_count < 1:
            raise ValueError("order, window and min_count must be >= 1")
        return config


class Analyzer:
    """Tokenise + lower-case + stem; remembers the commonest surface form of each stem."""

    def __init__(self, language: str = "english"):
        from nltk.stem.snowball import SnowballStemmer
        from nltk.tokenize import RegexpTokenizer

        self._tokenizer = RegexpTokenizer(r"\w+(?:[-']\w+)*")
        self._stemmer = SnowballStemmer(language)

    def sentences(self, text: str) -> list[list[tuple[str, str]]]:
        out = []
        for sentence in _SENTENCE_END.split(text):
            words = self._tokenizer.tokenize(sentence.lower())
            if words:
                out.append([(self._stemmer.stem(w), w) for w in words])
        return out


class LanguageModel:
    def __init__(
        self, config: LanguageModelConfig, vocab: list[str], surface: dict[str, str], ngrams, ppmi
    ):
        self.config = config
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.surface = surface
        self.ngrams: list[dict[tuple, Counter]] = ngrams  # per order: context -> next-word counts
        self.ppmi = ppmi  # scipy.sparse CSR, vocab x vocab
        self._analyzer: Analyzer | None = None
        self._totals = [{h: sum(c.values()) for h, c in level.items()} for level in ngrams]

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = Analyzer(self.config.language)
        return self._analyzer

    def _ids(self, text: str) -> list[list[str]]:
        return [
            [s if s in self.index else UNK for s, _ in sent]
            for sent in self.analyzer.sentences(text)
        ]

    def probability(self, word: str, context: tuple[str, ...]) -> float:
        """Interpolated Kneser-Ney: discounted counts, the rest spread over a shorter context."""
        vocab_size = len(self.vocab)
        level0 = self.ngrams[0].get((), Counter())
        total0 = self._totals[0].get((), 0)
        d = self.config.discount
        # Unigram level (continuation counts), interpolated with uniform so nothing is zero.
        p = (
            (max(level0.get(word, 0) - d, 0) + d * len(level0) / vocab_size) / total0
            if total0
            else 1 / vocab_size
        )
        for n in range(1, len(context) + 1):
            history = context[-n:]
            counts = self.ngrams[n].get(history)
            if not counts:
                continue
            total = self._totals[n][history]
            p = (max(counts.get(word, 0) - d, 0) + d * len(counts) * p) / total
        return p

    def log_probabilities(self, text: str) -> list[float]:
        order = self.config.order
        logs = []
        for sentence in self._ids(text):
            padded = [BOS] * (order - 1) + sentence + [EOS]
            for i in range(order - 1, len(padded)):
                context = tuple(padded[i - order + 1 : i]) if order > 1 else ()
                logs.append(math.log(self.probability(padded[i], context)))
        return logs

    def perplexity(self, texts: Iterable[str]) -> float:
        logs = [lp for text in texts for lp in self.log_probabilities(text)]
        return float(math.exp(-sum(logs) / len(logs))) if logs else float("inf")

    def score(self, text: str) -> float:
        return self.perplexity([text])

    def related(self, term: str, top: int = 10) -> list[tuple[str, float]]:
        """The terms most associated with `term` (highest PPMI within the window)."""
        stems = [s for sent in self.analyzer.sentences(term) for s, _ in sent]
        rows = [self.index[s] for s in stems if s in self.index]
        if not rows:
            return []
        scores = np.asarray(self.ppmi[rows].sum(axis=0)).ravel()
        for r in rows:
            scores[r] = 0.0
        scores[self.index[UNK]] = 0.0
        best = np.argsort(-scores)[:top]
        return [
            (self.surface.get(self.vocab[i], self.vocab[i]), round(float(scores[i]), 4))
            for i in best
            if scores[i] > 0
        ]

    def save(self, directory: Path) -> None:
        from scipy import sparse

        directory.mkdir(parents=True, exist_ok=True)
        ngrams = [[[list(h), dict(c)] for h, c in level.items()] for level in self.ngrams]
        payload = {
            "kind": "language_model",
            "config": asdict(self.config),
            "vocab": self.vocab,
            "surface": self.surface,
            "ngrams": ngrams,
        }
        with gzip.open(directory / "model.json.gz", "wt", encoding="utf-8") as fh:
            json.dump(payload, fh)
        sparse.save_npz(directory / "ppmi.npz", self.ppmi)

    @classmethod
    def load(cls, directory: Path) -> LanguageModel:
        from scipy import sparse

        with gzip.open(directory / "model.json.gz", "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
        ngrams = [{tuple(h): Counter(c) for h, c in level} for level in payload["ngrams"]]
        config = LanguageModelConfig(**payload["config"])
        return cls(
            config,
            payload["vocab"],
            payload["surface"],
            ngrams,
            sparse.load_npz(directory / "ppmi.npz").tocsr(),
        )


def _ppmi(sentences: Sequence[Sequence[str]], index: dict[str, int], window: int):
    from scipy import sparse

    pairs: Counter = Counter()
    for sentence in sentences:
        ids = [index[w] for w in sentence]
        for i, a in enumerate(ids):
            for b in ids[i + 1 : i + 1 + window]:
                if a != b:
                    pairs[(a, b)] += 1
                    pairs[(b, a)] += 1
    size = len(index)
    if not pairs:
        return sparse.csr_matrix((size, size), dtype=np.float32)
    rows, cols = np.array([k[0] for k in pairs]), np.array([k[1] for k in pairs])
    counts = np.array(list(pairs.values()), dtype=np.float64)
    matrix = sparse.csr_matrix((counts, (rows, cols)), shape=(size, size))
    total = counts.sum()
    row_sums = np.asarray(matrix.sum(axis=1)).ravel()
    col_sums = np.asarray(matrix.sum(axis=0)).ravel()
    # Context distribution smoothing (power 0.75) keeps rare contexts from dominating PMI.
    col_p = col_sums**0.75 / (col_sums**0.75).sum()
    pmi = np.log(counts / total / (row_sums[rows] / total) / col_p[cols])
    keep = pmi > 0
    return sparse.csr_matrix(
        (pmi[keep].astype(np.float32), (rows[keep], cols[keep])), shape=(size, size)
    )


def train_language_model(
    texts: Iterable[str],
    config: LanguageModelConfig,
    on_progress: Callable[[dict], None] | None = None,
) -> LanguageModel:
    analyzer = Analyzer(config.language)
    tokenised = [sent for text in texts for sent in analyzer.sentences(text)]
    stem_counts = Counter(s for sent in tokenised for s, _ in sent)
    forms: dict[str, Counter] = defaultdict(Counter)
    for sent in tokenised:
        for stem, word in sent:
            forms[stem][word] += 1
    vocab = [UNK, EOS] + sorted(s for s, c in stem_counts.items() if c >= config.min_count)
    index = {w: i for i, w in enumerate(vocab)}
    sentences = [[s if s in index else UNK for s, _ in sent] for sent in tokenised]
    # Highest order: raw counts. Lower orders: continuation counts (distinct left contexts),
    # which is what makes Kneser-Ney give "Francisco" little mass outside "San Francisco".
    order = config.order
    raw: dict[tuple, Counter] = defaultdict(Counter)
    for stems in sentences:
        padded = [BOS] * (order - 1) + stems + [EOS]
        for i in range(order - 1, len(padded)):
            raw[tuple(padded[i - order + 1 : i])][padded[i]] += 1
    levels: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(order)]
    levels[order - 1] = raw
    for n in range(order - 1, 0, -1):
        for history, counts in levels[n].items():
            for word in counts:
                levels[n - 1][history[1:]][word] += 1
    model = LanguageModel(
        config,
        vocab,
        {s: forms[s].most_common(1)[0][0] for s in vocab if s in forms},
        [dict(level) for level in levels],
        _ppmi(sentences, index, config.window),
    )
    if on_progress:
        on_progress(
            {
                "sentences": len(sentences),
                "tokens": sum(map(len, sentences)),
                "vocab_size": len(vocab),
            }
        )
    return model
