"""One task's stages end to end: dataset, training, evaluation, robustness, gates, promotion.

The Dagster assets, the benchmark and the command line all call these functions, so what a
materialisation does is what a test checks. Every stage reads its inputs from and writes its
outputs to the task's folder under NEXUS_HOME/models/<task>.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nexus_platform.ml.artifacts import TaskLayout, local_copy, publish_dir, staging_dir
from nexus_platform.ml.dataset import build_dataset, read_split, write_dataset
from nexus_platform.ml.spec import TaskSpec
from nexus_platform.settings import NexusPaths
from nexus_platform.storage import read_json, write_bytes, write_json

if TYPE_CHECKING:
    from nexus_platform.ml.language_model import LanguageModel
    from nexus_platform.ml.text_classification import TextClassifier
    from nexus_platform.ml.token_classification import TokenClassifier

EpochLogger = Callable[[int, dict], None]
SUMMARY_METRICS = ("accuracy", "macro_f1", "entity_f1", "perplexity")


def model_config(spec: TaskSpec):
    """The kind's typed model settings; an unknown key fails naming the spec and field."""
    from nexus_platform.ml import language_model, text_classification, token_classification

    # type[Any]: each config class has its own from_spec; mypy would join them to plain `type`.
    config_class: type[Any] = {
        "text_classification": text_classification.TextClassifierConfig,
        "token_classification": token_classification.TokenClassifierConfig,
        "language_model": language_model.LanguageModelConfig,
    }[spec.kind]
    try:
        return config_class.from_spec(spec.model)
    except (TypeError, ValueError) as exc:
        raise spec.error("model", str(exc)) from exc


def prepare_dataset(spec: TaskSpec, paths: NexusPaths) -> dict:
    model_config(spec)  # a bad model section fails here, before any data work
    dataset = build_dataset(spec, paths)
    write_dataset(spec, dataset, TaskLayout.for_task(paths, spec.name))
    return {
        "train_rows": dataset.train.num_rows,
        "test_rows": dataset.test.num_rows,
        "classes": dataset.classes,
        "sources": dataset.sources,
        "train": dataset.train,
    }


def train(
    spec: TaskSpec,
    paths: NexusPaths,
    on_epoch: EpochLogger | None = None,
    device: str | None = None,
) -> dict:
    """Train on the dataset's train split and publish the model folder atomically."""
    layout = TaskLayout.for_task(paths, spec.name)
    train_table, _, manifest = read_split(layout)
    config = model_config(spec)
    if device is not None and hasattr(config, "device"):
        config.device = device
    history: list[dict] = []

    def log(epoch: int, metrics: dict) -> None:
        history.append({"epoch": epoch, **metrics})
        if on_epoch:
            on_epoch(epoch, metrics)

    started = time.perf_counter()
    with staging_dir() as work:
        model_dir = work / "model"
        model: TextClassifier | TokenClassifier | LanguageModel
        if spec.kind == "text_classification":
            from nexus_platform.ml.text_classification import train_text_classifier

            model = train_text_classifier(
                train_table.column("text").to_pylist(),
                train_table.column("label").to_pylist(),
                manifest["classes"],
                spec.multi_label,
                config,
                on_epoch=log,
                work_dir=work,
            )
        elif spec.kind == "token_classification":
            from nexus_platform.ml.token_classification import train_token_classifier

            model = train_token_classifier(
                train_table.column("tokens").to_pylist(),
                train_table.column("tags").to_pylist(),
                manifest["classes"],
                config,
                on_epoch=log,
            )
        else:
            from nexus_platform.ml.language_model import train_language_model

            model = train_language_model(
                train_table.column("text").to_pylist(), config, on_progress=lambda m: log(0, m)
            )
        seconds = time.perf_counter() - started
        model.save(model_dir)
        summary = {
            "task": spec.name,
            "kind": spec.kind,
            "train_rows": train_table.num_rows,
            "train_seconds": round(seconds, 3),
            "history": history,
            "device": getattr(model, "device", None) or getattr(config, "device", None) or "cpu",
            "params": {**spec.model, "kind": spec.kind},
        }
        write_json_local(model_dir / "training.json", summary)
        publish_dir(model_dir, layout.model)
    return summary


def write_json_local(path: Path, obj: dict) -> None:
    import json

    path.write_text(json.dumps(obj, indent=1, default=str), encoding="utf-8")


def load_model(kind: str, directory: Path, device: str | None = None):
    if kind == "text_classification":
        from nexus_platform.ml.text_classification import TextClassifier

        return TextClassifier.load(directory, device)
    if kind == "token_classification":
        from nexus_platform.ml.token_classification import TokenClassifier

        return TokenClassifier.load(directory, device)
    from nexus_platform.ml.language_model import LanguageModel

    return LanguageModel.load(directory)


def evaluate(
    spec: TaskSpec, paths: NexusPaths, device: str | None = None
) -> tuple[dict, bytes | None]:
    """Score the model on the held-out split; writes evaluation.json and the confusion PNG."""
    from nexus_platform.ml import evaluation

    layout = TaskLayout.for_task(paths, spec.name)
    _, test, manifest = read_split(layout)
    with local_copy(layout.model) as model_dir:
        model = load_model(spec.kind, model_dir, device)
        if spec.kind == "text_classification":
            predicted = model.predict(test.column("text").to_pylist())
            report = evaluation.classification_report(
                test.column("label").to_pylist(), predicted, manifest["classes"], spec.multi_label
            )
        elif spec.kind == "token_classification":
            predicted = model.predict(test.column("tokens").to_pylist())
            report = evaluation.entity_report(test.column("tags").to_pylist(), predicted)
        else:
            texts = test.column("text").to_pylist()
            report = {
                "perplexity": round(model.perplexity(texts), 4),
                "examples": len(texts),
                "vocab_size": len(model.vocab),
            }
    report["task"], report["kind"] = spec.name, spec.kind
    png = None
    if "confusion_matrix" in report:
        png = evaluation.render_confusion_png(report, f"{spec.name}: confusion matrix")
        write_bytes(layout.confusion_png, png)
    write_json(layout.evaluation_json, report)
    return report, png


def robustness(spec: TaskSpec, paths: NexusPaths, device: str | None = None) -> dict:
    """Metric drop per perturbation on the held-out split (seeded by the split seed)."""
    from nexus_platform.ml import robustness as rb
    from nexus_platform.ml.evaluation import classification_report, entity_report

    layout = TaskLayout.for_task(paths, spec.name)
    _, test, manifest = read_split(layout)
    settings = spec.robustness
    rate = float(settings.get("rate", 0.15))
    lexicon = None if settings.get("lexicon", "esg") in (None, "none") else rb.synonym_map()
    limit = int(settings.get("max_examples", 300))
    test = test.slice(0, limit)
    default = (
        rb.TOKEN_PERTURBATIONS if spec.kind == "token_classification" else rb.TEXT_PERTURBATIONS
    )
    names = [n for n in settings.get("perturbations", default) if n in default]
    if lexicon is None:
        names = [n for n in names if n != "synonyms"]
    metric, higher = spec.primary_metric
    with local_copy(layout.model) as model_dir:
        model = load_model(spec.kind, model_dir, device)
        if spec.kind == "text_classification":
            examples = list(
                zip(
                    test.column("text").to_pylist(),
                    map(_hashable, test.column("label").to_pylist()),
                    strict=True,
                )
            )

            def score(batch):
                predicted = model.predict([t for t, _ in batch])
                truth = [list(y) if spec.multi_label else y for _, y in batch]
                return classification_report(
                    truth, predicted, manifest["classes"], spec.multi_label
                )[metric]

            def perturb(example, name, rng):
                return rb.perturb_text(example[0], name, rng, rate, lexicon), example[1]
        elif spec.kind == "token_classification":
            examples = [
                (tuple(t), tuple(g))
                for t, g in zip(
                    test.column("tokens").to_pylist(), test.column("tags").to_pylist(), strict=True
                )
            ]

            def score(batch):
                return entity_report(
                    [list(g) for _, g in batch], model.predict([list(t) for t, _ in batch])
                )[metric]

            def perturb(example, name, rng):
                tokens, tags = rb.perturb_tokens(
                    list(example[0]), list(example[1]), name, rng, rate, lexicon
                )
                return tuple(tokens), tuple(tags)
        else:
            examples = test.column("text").to_pylist()
            score = model.perplexity

            def perturb(example, name, rng):
                return rb.perturb_text(example, name, rng, rate, lexicon)

        report = rb.robustness_report(
            score, examples, perturb, names, spec.split.seed, metric, higher
        )
    report["task"], report["kind"] = spec.name, spec.kind
    write_json(layout.robustness_json, report)
    return report


def _hashable(label):
    return tuple(label) if isinstance(label, list) else label


@dataclass
class GateResult:
    quality_passed: bool
    robust_passed: bool
    metric: str
    value: float | None
    bound: float
    max_drop: float | None
    max_allowed_drop: float
    worst_perturbation: str | None

    @property
    def passed(self) -> bool:
        return self.quality_passed and self.robust_passed


def gates(spec: TaskSpec, evaluation: dict | None, robustness_report: dict | None) -> GateResult:
    metric, bound, higher = spec.quality_threshold()
    value = None if evaluation is None else evaluation.get(metric)
    quality = value is not None and (value >= bound if higher else value <= bound)
    max_drop = None if robustness_report is None else robustness_report.get("max_drop")
    allowed = spec.max_robustness_drop()
    robust = max_drop is not None and max_drop <= allowed
    worst = None if robustness_report is None else robustness_report.get("worst_perturbation")
    return GateResult(quality, robust, metric, value, bound, max_drop, allowed, worst)


def read_reports(spec: TaskSpec, paths: NexusPaths) -> tuple[dict | None, dict | None]:
    layout = TaskLayout.for_task(paths, spec.name)
    return read_json(layout.evaluation_json), read_json(layout.robustness_json)


def promote(spec: TaskSpec, paths: NexusPaths, registry, info: dict | None = None):
    """Version the current model with DVC if (and only if) both gates pass."""
    evaluation_report, robustness_report = read_reports(spec, paths)
    result = gates(spec, evaluation_report, robustness_report)
    if not result.passed:
        raise PromotionRefused(spec, result)
    # Both gates only pass when both reports exist.
    assert evaluation_report is not None and robustness_report is not None
    metrics = {k: evaluation_report[k] for k in SUMMARY_METRICS if k in evaluation_report}
    drops = {name: r["drop"] for name, r in robustness_report["perturbations"].items()}
    layout = TaskLayout.for_task(paths, spec.name)
    with local_copy(layout.model) as model_dir:
        return registry.promote(
            spec.name,
            spec.kind,
            model_dir,
            metrics,
            drops,
            reports={"evaluation": evaluation_report, "robustness": robustness_report},
            info=info,
        )


class PromotionRefused(RuntimeError):
    def __init__(self, spec: TaskSpec, result: GateResult):
        self.result = result
        super().__init__(
            f"{spec.name}: not promoted: {result.metric}={result.value} (bound {result.bound}), "
            f"max robustness drop={result.max_drop} (allowed {result.max_allowed_drop})"
        )
