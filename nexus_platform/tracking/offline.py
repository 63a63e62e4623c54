"""Read what an offline W&B run recorded, without syncing it anywhere.

An offline run keeps everything in `run-<id>.wandb`: W&B's record log (LevelDB log framing:
32 KiB blocks of [crc32 u32][length u16][type u8] chunks, after a 7-byte `:W&B` file header)
holding protobuf `Record`s. `wandb sync` uploads it later; this reader lets tests and
`nexus` commands show the metrics of a run that never left the machine.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

_FILE_HEADER = 7
_BLOCK = 32 * 1024
_CHUNK_HEADER = 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


@dataclass
class OfflineRun:
    run_id: str = ""
    project: str = ""
    name: str = ""
    job_type: str = ""
    config: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    artifacts: list[dict] = field(default_factory=list)
    exit_code: int | None = None


def _records(data: bytes):
    if data[:4] != b":W&B":
        raise ValueError("not a W&B run log (missing :W&B header)")
    pos, pending = _FILE_HEADER, b""
    while pos + _CHUNK_HEADER <= len(data):
        left_in_block = _BLOCK - (pos % _BLOCK)
        if left_in_block < _CHUNK_HEADER:
            pos += left_in_block  # block trailer padding
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + _CHUNK_HEADER])
        if length == 0 and kind == 0:
            pos += left_in_block  # zero padding up to the next block
            continue
        chunk = data[pos + _CHUNK_HEADER : pos + _CHUNK_HEADER + length]
        pos += _CHUNK_HEADER + length
        if kind == _FULL:
            yield chunk
        elif kind == _FIRST:
            pending = chunk
        elif kind == _MIDDLE:
            pending += chunk
        elif kind == _LAST:
            yield pending + chunk
            pending = b""


def _value(item) -> object:
    try:
        return json.loads(item.value_json)
    except ValueError:
        return item.value_json


def _key(item) -> str:
    return "/".join(item.nested_key) if item.nested_key else item.key


def read_offline_run(run_dir: str | Path) -> OfflineRun:
    """Parse the `.wandb` log of an offline run directory."""
    from wandb.proto import wandb_internal_pb2 as pb

    run_dir = Path(run_dir)
    logs = sorted(run_dir.glob("run-*.wandb"))
    if not logs:
        raise FileNotFoundError(f"no run-*.wandb file in {run_dir}")
    out = OfflineRun()
    for raw in _records(logs[0].read_bytes()):
        record = pb.Record()  # type: ignore[attr-defined]  # generated protobuf module
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out.run_id, out.project = record.run.run_id, record.run.project
            out.name, out.job_type = record.run.display_name, record.run.job_type
            out.config.update({_key(i): _value(i) for i in record.run.config.update})
        elif kind == "config":
            out.config.update({_key(i): _value(i) for i in record.config.update})
        elif kind == "history":
            out.history.append({_key(i): _value(i) for i in record.history.item})
        elif kind == "summary":
            out.summary.update({_key(i): _value(i) for i in record.summary.update})
        elif kind == "artifact":
            a = record.artifact
            out.artifacts.append(
                {
                    "name": a.name,
                    "type": a.type,
                    "digest": a.digest,
                    "files": [e.path for e in a.manifest.contents],
                }
            )
        elif kind == "exit":
            out.exit_code = record.exit.exit_code
    return out


def wait_until_written(run_dir: str | Path, timeout: float = 30.0) -> bool:
    """Wait until the run's exit record is on disk. `wandb.finish()` can return while the
    W&B service is still writing an offline run; readers (and `wandb sync`) need it whole."""
    import time

    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            if read_offline_run(run_dir).exit_code is not None:
                return True
        except (FileNotFoundError, ValueError):
            pass  # not created or header not written yet
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
