"""Fine-tuning the bundled MiniLM sentence encoder on a classification task.

The encoder is trained end to end with a throw-away linear head (mean-pooled, normalised
embeddings, as the platform serves them); only the adapted encoder is kept, saved as a
sentence-transformers folder so the normal embedding path loads it. Runs on CUDA when present.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def fine_tune_encoder(
    texts: Sequence[str],
    targets: np.ndarray,
    classes: int,
    multi_label: bool,
    config,
    out_dir: Path,
    on_epoch: Callable[[int, dict], None] | None = None,
) -> Path:
    from nexus_platform.embeddings.local import offline_models

    offline_models()
    import torch
    from sentence_transformers import SentenceTransformer

    from nexus_platform.embeddings.local import bundled_model_path, default_device

    device = config.device or default_device()
    torch.manual_seed(config.seed)
    # A fresh copy: the process-wide cached embedder must keep serving the original weights.
    encoder = SentenceTransformer(bundled_model_path(), device=device)
    dimension = encoder.get_embedding_dimension()
    assert dimension is not None  # the bundled model declares its embedding size
    head = torch.nn.Linear(dimension, classes).to(device)
    parameters = list(encoder.parameters()) + list(head.parameters())
    optimiser = torch.optim.AdamW(parameters, lr=config.fine_tune_learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss() if multi_label else torch.nn.CrossEntropyLoss()
    y = torch.from_numpy(targets).to(device)
    generator = torch.Generator().manual_seed(config.seed)
    texts = list(texts)
    for epoch in range(config.fine_tune_epochs):
        started = time.perf_counter()
        encoder.train()
        order = torch.randperm(len(texts), generator=generator).tolist()
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            prepare = getattr(encoder, "preprocess", None) or encoder.tokenize
            features = prepare([texts[i] for i in batch])
            features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
            embedded = encoder(features)["sentence_embedding"]
            logits = head(torch.nn.functional.normalize(embedded, dim=-1) * 10.0)
            loss = loss_fn(logits, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        if on_epoch:
            on_epoch(
                epoch,
                {
                    "fine_tune_loss": total / len(texts),
                    "fine_tune_epoch_seconds": time.perf_counter() - started,
                    "fine_tune_examples_per_second": len(texts) / (time.perf_counter() - started),
                },
            )
    encoder.eval()
    encoder.save(str(out_dir))
    return out_dir
