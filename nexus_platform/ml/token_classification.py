"""Entity recognition: the bundled MiniLM backbone fine-tuned with a token-classification head.

Labels are BIO tags on pre-split words. Only a word's first sub-word token carries its label
(the rest are ignored by the loss), and a word's prediction is its first sub-word's. Runs on
CPU for small data and on CUDA when present; the defaults train a few hundred sentences on a
CPU in well under a minute.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

IGNORE = -100


@dataclass
class TokenClassifierConfig:
    epochs: int = 4
    learning_rate: float = 1e-4
    batch_size: int = 16
    max_length: int = 128
    weight_decay: float = 0.01
    device: str | None = None
    seed: int = 42

    @classmethod
    def from_spec(cls, model: dict) -> TokenClassifierConfig:
        model = dict(model)
        if model.pop("type", "transformer") != "transformer":
            raise ValueError(
                "model.type must be 'transformer' (the MiniLM backbone with a token head)"
            )
        unknown = set(model) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown model settings {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**model)


def bio_labels(entity_types: Sequence[str]) -> list[str]:
    return ["O", *[f"{prefix}-{t}" for t in sorted(entity_types) for prefix in ("B", "I")]]


def _device(requested: str | None) -> str:
    import torch

    return requested or ("cuda" if torch.cuda.is_available() else "cpu")


def _load_backbone(path: str, labels: list[str]):
    from nexus_platform.embeddings.local import offline_models

    offline_models()
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the fresh head's "newly initialised" report is expected
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForTokenClassification.from_pretrained(
        path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    return tokenizer, model


class TokenClassifier:
    def __init__(self, tokenizer, model, labels: list[str], config: TokenClassifierConfig):
        self.tokenizer = tokenizer
        self.model = model
        self.labels = labels
        self.config = config
        self.device = _device(config.device)
        self.model.to(self.device)

    def encode(
        self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]] | None = None
    ):
        batch = self.tokenizer(
            [list(s) for s in sentences],
            is_split_into_words=True,
            truncation=True,
            max_length=self.config.max_length,
            padding=True,
            return_tensors="pt",
        )
        if tags is not None:
            index = {label: i for i, label in enumerate(self.labels)}
            aligned = []
            for row, sentence_tags in enumerate(tags):
                previous, ids = None, []
                for word in batch.word_ids(row):
                    ids.append(
                        IGNORE if word is None or word == previous else index[sentence_tags[word]]
                    )
                    previous = word
                aligned.append(ids)
            import torch

            batch["labels"] = torch.tensor(aligned)
        return batch

    def predict(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        import torch

        self.model.eval()
        predictions: list[list[str]] = []
        for start in range(0, len(sentences), 64):
            chunk = sentences[start : start + 64]
            batch = self.encode(chunk)
            with torch.no_grad():
                logits = self.model(**{k: v.to(self.device) for k, v in batch.items()}).logits
            best = logits.argmax(-1).cpu().tolist()
            for row, sentence in enumerate(chunk):
                tags = ["O"] * len(sentence)  # words cut by truncation stay O
                previous = None
                for position, word in enumerate(batch.word_ids(row)):
                    if word is not None and word != previous:
                        tags[word] = self.labels[best[row][position]]
                    previous = word
                predictions.append(tags)
        return predictions

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(str(directory))
        self.tokenizer.save_pretrained(str(directory))
        meta = {
            "kind": "token_classification",
            "labels": self.labels,
            "config": asdict(self.config),
        }
        (directory / "nexus_model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, device: str | None = None) -> TokenClassifier:
        meta = json.loads((directory / "nexus_model.json").read_text(encoding="utf-8"))
        config = TokenClassifierConfig(**meta["config"])
        config.device = device
        tokenizer, model = _load_backbone(str(directory), meta["labels"])
        return cls(tokenizer, model, meta["labels"], config)


def train_token_classifier(
    sentences: Sequence[Sequence[str]],
    tags: Sequence[Sequence[str]],
    entity_types: Sequence[str],
    config: TokenClassifierConfig,
    on_epoch: Callable[[int, dict], None] | None = None,
    backbone_path: str | None = None,
) -> TokenClassifier:
    import torch

    from nexus_platform.embeddings.local import bundled_model_path

    torch.manual_seed(config.seed)
    labels = bio_labels(entity_types)
    tokenizer, model = _load_backbone(backbone_path or bundled_model_path(), labels)
    classifier = TokenClassifier(tokenizer, model, labels, config)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    steps = config.epochs * max(1, -(-len(sentences) // config.batch_size))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: max(0.0, 1.0 - step / steps)
    )
    generator = torch.Generator().manual_seed(config.seed)
    for epoch in range(config.epochs):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(sentences), generator=generator).tolist()
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            batch = classifier.encode([sentences[i] for i in rows], [tags[i] for i in rows])
            loss = model(**{k: v.to(classifier.device) for k, v in batch.items()}).loss
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(rows)
        seconds = time.perf_counter() - started
        if on_epoch:
            on_epoch(
                epoch,
                {
                    "train_loss": total / len(order),
                    "epoch_seconds": seconds,
                    "examples_per_second": len(order) / seconds,
                },
            )
    return classifier
