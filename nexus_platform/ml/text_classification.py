"""Text classification over the platform's sentence embeddings.

Heads: a logistic-regression baseline and a small torch MLP, multi-class or multi-label.
With `fine_tune: true` the MiniLM backbone is first trained end to end with a linear head on
the task's labels, then the chosen head is fitted on the adapted embeddings. Heads are stored
as plain arrays (`head.npz`), never pickles, so a model folder is safe to pull and load.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

EpochCallback = Callable[[int, dict], None]
HEAD_TYPES: dict[str, dict[str, Any]] = {
    "logistic_regression": {"head": "logreg"},
    "logreg": {"head": "logreg"},
    "mlp": {"head": "mlp"},
    "fine_tune": {"head": "logreg", "fine_tune": True},
}


@dataclass
class TextClassifierConfig:
    head: str = "logreg"  # logreg | mlp
    epochs: int = 40  # MLP head epochs (cheap: it trains on cached embeddings)
    hidden: int = 128
    learning_rate: float = 3e-3
    batch_size: int = 32
    c: float = 4.0  # inverse regularisation of the logistic regression
    threshold: float = 0.5  # multi-label decision threshold
    fine_tune: bool = False
    fine_tune_epochs: int = 1
    fine_tune_learning_rate: float = 3e-5
    device: str | None = None
    seed: int = 42

    @classmethod
    def from_spec(cls, model: dict) -> TextClassifierConfig:
        model = dict(model)
        # `type` is the spec's friendly name for the head (logistic_regression, mlp, fine_tune).
        kind = model.pop("type", None)
        if kind is not None:
            if kind not in HEAD_TYPES:
                raise ValueError(f"model.type must be one of {sorted(HEAD_TYPES)}, got {kind!r}")
            model = {**HEAD_TYPES[kind], **model}
        known = cls.__dataclass_fields__
        unknown = set(model) - set(known)
        if unknown:
            raise ValueError(f"unknown model settings {sorted(unknown)}; known: {sorted(known)}")
        config = cls(**model)
        if config.head not in ("logreg", "mlp"):
            raise ValueError(f"model.head must be 'logreg' or 'mlp', got {config.head!r}")
        return config


def _embedder(encoder_dir: Path | None, device: str | None):
    from nexus_platform.embeddings.local import SentenceTransformerEmbedder, local_embedder

    if encoder_dir is None:
        return local_embedder(device)
    return SentenceTransformerEmbedder(model_path=str(encoder_dir), device=device)


def _mlp(dim: int, hidden: int, classes: int):
    import torch

    return torch.nn.Sequential(
        torch.nn.Linear(dim, hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, classes),
    )


class TextClassifier:
    def __init__(self, classes, multi_label, config, arrays, encoder_dir=None, embedder_id=""):
        self.classes: list[str] = list(classes)
        self.multi_label = multi_label
        self.config = config
        self.arrays: dict[str, np.ndarray] = arrays
        self.encoder_dir = encoder_dir
        self.embedder_id = embedder_id
        self._embedder = None
        self._module = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._embedder is None:
            self._embedder = _embedder(self.encoder_dir, self.config.device)
        return self._embedder.embed(list(texts))

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities: softmax (multi-class) or per-class sigmoid (multi-label)."""
        if self.config.head == "logreg":
            logits = vectors @ self.arrays["weight"].T + self.arrays["bias"]
        else:
            import torch

            if self._module is None:
                self._module = _mlp(vectors.shape[1], self.config.hidden, len(self.classes))
                state = {
                    k[len("mlp.") :]: torch.from_numpy(v)
                    for k, v in self.arrays.items()
                    if k.startswith("mlp.")
                }
                self._module.load_state_dict(state)
                self._module.eval()
            with torch.no_grad():
                logits = self._module(torch.from_numpy(vectors)).numpy()
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-logits))
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict_vectors(self, vectors: np.ndarray) -> list:
        probs = self.scores(vectors)
        if self.multi_label:
            return [
                [c for c, p in zip(self.classes, row, strict=True) if p >= self.config.threshold]
                for row in probs
            ]
        return [self.classes[i] for i in probs.argmax(axis=1)]

    def predict(self, texts: Sequence[str]) -> list:
        return self.predict_vectors(self.embed(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / "head.npz", **self.arrays)
        meta = {
            "kind": "text_classification",
            "classes": self.classes,
            "multi_label": self.multi_label,
            "config": asdict(self.config),
            "encoder": "encoder" if self.encoder_dir else "bundled",
            "embedder_id": self.embedder_id,
        }
        (directory / "model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if self.encoder_dir and Path(self.encoder_dir) != directory / "encoder":
            import shutil

            shutil.copytree(self.encoder_dir, directory / "encoder", dirs_exist_ok=True)

    @classmethod
    def load(cls, directory: Path, device: str | None = None) -> TextClassifier:
        meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        config = TextClassifierConfig(**meta["config"])
        config.device = device or config.device
        with np.load(directory / "head.npz") as data:
            arrays = {k: data[k] for k in data.files}
        encoder = directory / "encoder" if meta["encoder"] == "encoder" else None
        return cls(
            meta["classes"],
            meta["multi_label"],
            config,
            arrays,
            encoder,
            meta.get("embedder_id", ""),
        )


def _targets(labels: Sequence, classes: list[str], multi_label: bool) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    if multi_label:
        matrix = np.zeros((len(labels), len(classes)), dtype=np.float32)
        for row, label_set in enumerate(labels):
            for label in label_set:
                matrix[row, index[label]] = 1.0
        return matrix
    return np.array([index[label] for label in labels], dtype=np.int64)


def _fit_logreg(x: np.ndarray, y: np.ndarray, classes: int, multi_label: bool, config) -> dict:
    from sklearn.linear_model import LogisticRegression

    def fit(target):
        model = LogisticRegression(C=config.c, max_iter=2000, random_state=config.seed)
        return model.fit(x, target)

    if multi_label:
        weights, biases = [], []
        for column in range(classes):
            target = y[:, column]
            if target.min() == target.max():  # a label always on (or off) in training
                weights.append(np.zeros(x.shape[1]))
                biases.append(8.0 if target[0] else -8.0)
                continue
            model = fit(target)
            weights.append(model.coef_[0])
            biases.append(model.intercept_[0])
        return {"weight": np.array(weights, np.float32), "bias": np.array(biases, np.float32)}
    model = fit(y)
    weight, bias = model.coef_, model.intercept_
    if weight.shape[0] == 1:  # binary: sklearn keeps one row; the argmax needs two
        weight, bias = np.vstack([np.zeros_like(weight), weight]), np.concatenate([[0.0], bias])
    return {"weight": weight.astype(np.float32), "bias": bias.astype(np.float32)}


def _fit_mlp(x, y, classes, multi_label, config, on_epoch: EpochCallback | None) -> dict:
    import torch

    torch.manual_seed(config.seed)
    module = _mlp(x.shape[1], config.hidden, classes)
    optimiser = torch.optim.AdamW(module.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss() if multi_label else torch.nn.CrossEntropyLoss()
    features, targets = torch.from_numpy(x), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(config.seed)
    for epoch in range(config.epochs):
        started = time.perf_counter()
        module.train()
        order = torch.randperm(len(features), generator=generator)
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimiser.zero_grad()
            loss = loss_fn(module(features[batch]), targets[batch])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        if on_epoch:
            on_epoch(
                epoch,
                {"train_loss": total / len(order), "epoch_seconds": time.perf_counter() - started},
            )
    return {f"mlp.{k}": v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def train_text_classifier(
    texts: Sequence[str],
    labels: Sequence,
    classes: list[str],
    multi_label: bool,
    config: TextClassifierConfig,
    on_epoch: EpochCallback | None = None,
    work_dir: Path | None = None,
) -> TextClassifier:
    encoder_dir = None
    if config.fine_tune:
        from nexus_platform.ml.fine_tune import fine_tune_encoder

        if work_dir is None:
            raise ValueError("fine-tuning needs a work_dir to hold the adapted encoder")
        encoder_dir = work_dir / "encoder"
        fine_tune_encoder(
            texts,
            _targets(labels, classes, multi_label),
            len(classes),
            multi_label,
            config,
            encoder_dir,
            on_epoch,
        )
    classifier = TextClassifier(classes, multi_label, config, {}, encoder_dir)
    vectors = classifier.embed(texts)
    classifier.embedder_id = classifier._embedder.model_id
    y = _targets(labels, classes, multi_label)
    if config.head == "logreg":
        classifier.arrays = _fit_logreg(vectors, y, len(classes), multi_label, config)
        if on_epoch:
            on_epoch(0, {"train_accuracy": _train_accuracy(classifier, vectors, labels)})
    else:
        classifier.arrays = _fit_mlp(vectors, y, len(classes), multi_label, config, on_epoch)
    return classifier


def _train_accuracy(classifier: TextClassifier, vectors: np.ndarray, labels: Sequence) -> float:
    predicted = classifier.predict_vectors(vectors)
    return float(
        np.mean(
            [
                sorted(p) == sorted(t) if classifier.multi_label else p == t
                for p, t in zip(predicted, labels, strict=True)
            ]
        )
    )
