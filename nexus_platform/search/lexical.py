"""The lexical (BM25) index over the knowledge base, kept incrementally like the vectors.

`NEXUS_HOME/search/`:
  lexical_tokens.parquet   id, content_sha256, tokens: the index terms of every record
  lexical/<build>/         the BM25 matrix (bm25s' own files), one folder per build
  lexical.json             the manifest: which build is current, what it was built from

Tokenising (and stemming) is the per-record work: it is done once per content hash and
tokenizer, so a changed file re-tokenises only its records. BM25's IDF and average length
depend on the whole corpus, so the sparse matrix is rebuilt from the stored terms (vectorised;
a few seconds for 100k records). The manifest is written last and names its build folder, so a
reader never sees half a build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.embeddings.records import read_parquet, read_records
from nexus_platform.search.tokenize import TOKENIZER_ID, tokenize_many
from nexus_platform.settings import is_local
from nexus_platform.storage import atomic_local_path, read_json, write_json

TOKENS_FILE = "lexical_tokens.parquet"
MANIFEST_FILE = "lexical.json"
BUILDS_DIR = "lexical"
IDS_FILE = "ids.parquet"  # inside a build: the record id of each matrix row
ROW_GROUP_ROWS = 131_072
# Lucene's BM25 variant and its usual parameters.
BM25_PARAMS = {"method": "lucene", "k1": 1.2, "b": 0.75}

_UMASK = os.umask(0)
os.umask(_UMASK)

TOKENS_SCHEMA = pa.schema(
    [("id", pa.string()), ("content_sha256", pa.string()), ("tokens", pa.list_(pa.string()))]
)


def records_fingerprint(ids: list[str], shas: list[str]) -> str:
    """One hash of which records hold which text: equal fingerprints, same corpus."""
    digest = hashlib.sha256()
    for record_id, sha in zip(ids, shas, strict=True):
        digest.update(record_id.encode())
        digest.update(b"\x00")
        digest.update(sha.encode())
        digest.update(b"\x01")
    return digest.hexdigest()


def manifest_file(folder: UPath) -> UPath:
    return folder / MANIFEST_FILE


def read_lexical_manifest(folder: UPath) -> dict | None:
    return read_json(manifest_file(folder))


@dataclass(frozen=True)
class LexicalUpdate:
    total: int
    tokenized: int
    reused: int
    removed: int
    vocabulary: int
    fingerprint: str
    tokenize_seconds: float
    build_seconds: float
    written: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _old_tokens(folder: UPath) -> dict[str, list[str]]:
    """content hash -> terms from the previous build, when it used the same tokenizer."""
    manifest = read_lexical_manifest(folder)
    target = folder / TOKENS_FILE
    if not manifest or manifest.get("tokenizer") != TOKENIZER_ID or not target.exists():
        return {}
    table = read_parquet(target, ["content_sha256", "tokens"])
    return dict(
        zip(
            table.column("content_sha256").to_pylist(),
            table.column("tokens").to_pylist(),
            strict=True,
        )
    )


def _build_bm25(tokens: list[list[str]]):
    import bm25s

    retriever = bm25s.BM25(**BM25_PARAMS)
    retriever.index(tokens, show_progress=False)
    return retriever


def _publish_build(folder: UPath, retriever, ids: list[str]) -> str:
    """Save the matrix and its row ids under a fresh build folder; return its name."""
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="nexus-bm25-") as tmp:
        retriever.save(tmp, show_progress=False)
        pq.write_table(pa.table({"id": pa.array(ids, pa.string())}), f"{tmp}/{IDS_FILE}")
        target = folder / BUILDS_DIR / name
        if is_local(target):
            Path(target.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(tmp, target.path)
            os.chmod(target.path, 0o777 & ~_UMASK)  # the temp folder was private (0700)
        else:
            target.fs.put(tmp, target.path, recursive=True)
    return name


def _prune_builds(folder: UPath, keep: str) -> None:
    """Old builds go once the manifest points elsewhere (a reader opens a build in ~ms)."""
    builds = folder / BUILDS_DIR
    if not builds.exists():
        return
    for child in builds.iterdir():
        if child.name != keep:
            if is_local(child):
                shutil.rmtree(child.path, ignore_errors=True)
            else:
                child.fs.rm(child.path, recursive=True)


def update_lexical_index(kb_path: UPath, folder: UPath) -> LexicalUpdate:
    """Bring the lexical index under `folder` in line with the knowledge base at `kb_path`."""
    records = read_records(kb_path, ["content_sha256"])
    ids = records.column("id").to_pylist()
    shas = records.column("content_sha256").to_pylist()
    fingerprint = records_fingerprint(ids, shas)
    manifest = read_lexical_manifest(folder)
    if (
        manifest
        and manifest.get("fingerprint") == fingerprint
        and manifest.get("tokenizer") == TOKENIZER_ID
        and (folder / BUILDS_DIR / manifest["build"]).exists()
    ):
        return LexicalUpdate(
            len(ids), 0, len(ids), 0, manifest.get("vocabulary", 0), fingerprint, 0.0, 0.0, False
        )

    known = _old_tokens(folder)
    previous_ids: set[str] = set()
    if (folder / TOKENS_FILE).exists():
        previous_ids = set(read_parquet(folder / TOKENS_FILE, ["id"]).column("id").to_pylist())
    missing = list(dict.fromkeys(sha for sha in shas if sha not in known))
    started = time.perf_counter()
    if missing:
        texts = read_records(kb_path, ["content_sha256", "text"])
        text_by_sha = dict(
            zip(
                texts.column("content_sha256").to_pylist(),
                texts.column("text").to_pylist(),
                strict=True,
            )
        )
        known.update(
            zip(missing, tokenize_many([text_by_sha[sha] for sha in missing]), strict=True)
        )
    tokenize_seconds = time.perf_counter() - started
    tokens = [known[sha] for sha in shas]

    with atomic_local_path(folder / TOKENS_FILE, ".parquet") as tmp:
        table = pa.table([ids, shas, tokens], schema=TOKENS_SCHEMA)
        pq.write_table(table, tmp, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    started = time.perf_counter()
    retriever = _build_bm25(tokens) if ids else None
    vocabulary = len(retriever.vocab_dict) if retriever is not None else 0
    build = _publish_build(folder, retriever, ids) if retriever is not None else ""
    build_seconds = time.perf_counter() - started
    write_json(
        manifest_file(folder),
        {
            "tokenizer": TOKENIZER_ID,
            "fingerprint": fingerprint,
            "count": len(ids),
            "vocabulary": vocabulary,
            "build": build,
            "bm25": BM25_PARAMS,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    _prune_builds(folder, keep=build)
    fresh = set(missing)
    reused = sum(1 for sha in shas if sha not in fresh)
    return LexicalUpdate(
        total=len(ids),
        tokenized=len(ids) - reused,
        reused=reused,
        removed=len(previous_ids - set(ids)),
        vocabulary=vocabulary,
        fingerprint=fingerprint,
        tokenize_seconds=tokenize_seconds,
        build_seconds=build_seconds,
        written=True,
    )


class LexicalIndex:
    """A loaded BM25 build: `search` scores every record against the query terms."""

    def __init__(self, ids: list[str], retriever, manifest: dict):
        self.ids = ids
        self.retriever = retriever
        self.manifest = manifest

    @property
    def fingerprint(self) -> str:
        return self.manifest.get("fingerprint", "")

    @classmethod
    def load(cls, folder: UPath) -> LexicalIndex | None:
        """The current build, or None when none was built yet."""
        import bm25s

        manifest = read_lexical_manifest(folder)
        if not manifest or not manifest.get("build"):
            return None
        build = folder / BUILDS_DIR / manifest["build"]
        with tempfile.TemporaryDirectory(prefix="nexus-bm25-") as tmp:
            local = build.path
            if not is_local(build):
                build.fs.get(build.path, tmp, recursive=True)
                local = tmp
            retriever = bm25s.BM25.load(local, mmap=False, show_progress=False)
            ids = pq.read_table(f"{local}/{IDS_FILE}").column("id").to_pylist()
        if retriever.scores["num_docs"] != len(ids):
            raise ValueError(
                f"{build}: {retriever.scores['num_docs']} BM25 rows for {len(ids)} record ids: "
                "rebuild the lexical index"
            )
        return cls(ids, retriever, manifest)

    def search(
        self, terms: list[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(row, BM25 score) of the best `k` rows sharing a term with the query, best first;
        `allowed` (bool per row) keeps only those rows."""
        token_ids = self.retriever.get_tokens_ids(terms)
        if not token_ids or k < 1:
            return []
        weights = None if allowed is None else allowed.astype(np.float32)
        scores = self.retriever.get_scores_from_ids(token_ids, weight_mask=weights)
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        order = positive[np.argsort(-scores[positive], kind="stable")]
        return [(int(row), float(scores[row])) for row in order]
