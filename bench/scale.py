"""Scale benchmark: 1k, 10k and 100k small landing files on PostgreSQL and SQLite instance
storage.

    .venv/bin/python bench/scale.py                        # 1k, 10k, 100k on both storages
    .venv/bin/python bench/scale.py --sizes 1000 --storages postgres --profile

Storages: `postgres` is the production instance (deploy/dagster.yaml: dagster-postgres with
a connection held per process), `postgres-plain` the same with dagster-postgres as it comes (a
connection per statement), `sqlite` the local profile's. Per storage and size, in one process
against a real instance:
  first tick    the landing sensor's first evaluation (`landing_sensor` through
                `build_sensor_context`) plus adding its dynamic partitions, as the daemon
                does. The sensor hashes at most a capped number of files per tick, so the
                ticks until every file is a partition are reported too.
  steady tick   one more evaluation with nothing new (all files indexed and asked for, their
                runs not yet through); then one with every file done (see mark_all_done).
  conversion    the `ingest` job over a range of --convert files, executed in process on
                the instance (what a run worker does), against raw pyarrow read_csv +
                write_table of the same files in the same process: files per second, and
                the per-file overhead (platform - pyarrow) / files.
  GraphQL       the `parquet_tables` partitions page (partition keys, statuses, stats),
                resolved by dagster-graphql against the same instance and a gRPC code
                server of the platform, median of 3.
Targets: first tick at 100k < 10 s, steady tick < 1 s, per-file overhead < 20 ms. A storage
that fails at a size is reported with its error and skipped for larger sizes. Landing files
are generated once under bench/out/scale/ (git-ignored). Not a test: the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import OUT_DIR, REPO_ROOT, median, print_table, print_targets, timed

SCALE_DIR = OUT_DIR / "scale"
FOLDERS = 100  # files spread over this many sub-folders, as a real tree would be
PAGE_QUERY = """
query {
  assetNodeOrError(assetKey: {path: ["parquet_tables"]}) {
    ... on AssetNode {
      partitionKeysByDimension { partitionKeys }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses { materializedPartitions failedPartitions }
      }
      partitionStats { numMaterialized numPartitions numFailed }
    }
  }
}
"""


def landing_tree(files: int) -> Path:
    """`files` small CSVs (three columns, 20 rows), generated once and reused."""
    root = SCALE_DIR / f"landing-{files}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    for i in range(files):
        folder = root / f"site_{i % FOLDERS:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        rows = "".join(f"{i},{j},{(i * 31 + j) % 997 / 7:.4f}\n" for j in range(20))
        (folder / f"readings_{i:06d}.csv").write_text("file,row,value\n" + rows)
    done.write_text("")
    old = time.time() - 60  # settled: the sensor leaves files younger than a few seconds
    os.utime(root, (old, old))
    return root


def open_instance(storage: str, home: Path, server, database: str):
    import dagster as dg

    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    if storage in ("postgres", "postgres-plain"):
        server.create_database(f"{database}_{storage.replace('-', '_')}")
        os.environ.update(server.environment(f"{database}_{storage.replace('-', '_')}"))
        config = yaml.safe_load((REPO_ROOT / "deploy" / "dagster.yaml").read_text())
        if storage == "postgres-plain":  # dagster-postgres as it comes, for comparison
            config["storage"] = {"postgres": config["storage"]["custom"]["config"]}
        (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return dg.DagsterInstance.from_config(str(dagster_home))


def tick(instance, storage_resource, cursor: str | None):
    """One sensor evaluation plus what the daemon does with its partition requests."""
    import dagster as dg

    from nexus_platform.sensors.landing import landing_sensor

    started = time.perf_counter()
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": storage_resource}
    )
    result = landing_sensor(context)
    evaluated = time.perf_counter()
    for request in result.dynamic_partitions_requests or []:
        if isinstance(request, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        else:
            instance.delete_dynamic_partitions(request.partitions_def_name, request.partition_keys)
    applied = time.perf_counter()
    return result, context.cursor, evaluated - started, applied - evaluated


def mark_all_done(home: Path) -> None:
    from nexus_platform.ingest.changes import DIGEST, mark_done
    from nexus_platform.sensors.landing import index_path, requests_path
    from nexus_platform.settings import NexusPaths
    from nexus_platform.storage import read_json, write_json

    paths = NexusPaths.from_uri(str(home))
    index = read_json(index_path(paths), {})
    mark_done(index, {key: entry[DIGEST] for key, entry in index.items()})
    write_json(index_path(paths), index, durable=False)
    write_json(requests_path(paths), {}, durable=False)


def raw_pyarrow(paths: list[Path], out: Path) -> float:
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, path in enumerate(paths):
        pq.write_table(pv.read_csv(path), out / f"{i}.parquet", compression="zstd")
    return time.perf_counter() - started


def graphql_latency(instance) -> float:
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import ModuleTarget
    from dagster_graphql.test.utils import execute_dagster_graphql

    target = ModuleTarget("nexus_platform.definitions", None, str(REPO_ROOT), "nexus_platform")
    with WorkspaceProcessContext(instance, target) as process_context:
        times = []
        for _ in range(3):
            context = process_context.create_request_context()
            seconds, result = timed(lambda c=context: execute_dagster_graphql(c, PAGE_QUERY))
            assert not result.errors, result.errors
            times.append(seconds)
    return median(times)


def profiled(enabled: bool, label: str, fn):
    """`fn()`, under cProfile when enabled: the top of the profile by cumulative time."""
    if not enabled:
        return fn()
    profiler = cProfile.Profile()
    value = profiler.runcall(fn)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    print(f"\n  profile of the {label}:\n{text.getvalue()}", flush=True)
    return value


def measure(storage: str, files: int, convert: int, server, profile: bool) -> dict:

    from nexus_platform.deployment.capacity import partition_capacity
    from nexus_platform.resources.storage import NexusStorage
    from nexus_platform.sensors.landing import range_tags

    capacity = partition_capacity(storage, 0, files)
    if capacity.level == "refuse":  # the local profile's own guard: measured by tests/ops
        return {"storage": storage, "files": files, "error": f"refused: {capacity.message}"}
    landing = landing_tree(files)
    home = Path(tempfile.mkdtemp(prefix=f"scale-{storage}-{files}-", dir=SCALE_DIR))
    os.environ["NEXUS_HOME"] = str(home)
    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    (home / "landing").symlink_to(landing, target_is_directory=True)
    figures: dict = {"storage": storage, "files": files}
    try:
        instance = open_instance(storage, home, server, f"scale_{files}")
        storage_resource = NexusStorage(home=str(home))
        result, cursor, evaluate_s, apply_s = profiled(
            profile, f"first tick ({storage}, {files:,} files)",
            lambda: tick(instance, storage_resource, None),
        )  # fmt: skip
        figures.update(first_eval_s=evaluate_s, first_apply_s=apply_s)
        ticks = 1
        while len(instance.get_dynamic_partitions("landing_files")) < files and ticks < 50:
            result, cursor, *_ = tick(instance, storage_resource, cursor)
            ticks += 1
        figures["ticks_to_index"] = ticks
        _, cursor, steady_eval, steady_apply = profiled(
            profile, f"steady tick ({storage}, {files:,} files)",
            lambda: tick(instance, storage_resource, cursor),
        )  # fmt: skip
        figures["steady_s"] = steady_eval + steady_apply
        # The same with every file converted, as the folder is once the runs are through:
        # converting them all takes too long here, so each index entry is marked done the way
        # the sensor marks a file whose conversion committed (nothing asked, nothing waiting).
        mark_all_done(home)
        _, cursor, done_eval, done_apply = profiled(
            profile, f"steady tick, all done ({storage}, {files:,} files)",
            lambda: tick(instance, storage_resource, cursor),
        )  # fmt: skip
        figures["steady_done_s"] = done_eval + done_apply

        # A run's range follows the partitions' own order (the order they were added), not
        # the keys' sort order: the first `convert` of that order are one range of that size.
        keys = list(instance.get_dynamic_partitions("landing_files"))[:convert]
        from nexus_platform.definitions import build_definitions

        job = build_definitions("local").get_job_def("ingest")
        run_s, run = timed(
            lambda: profiled(
                profile, f"conversion run ({storage}, {len(keys):,} of {files:,} files)",
                lambda: job.execute_in_process(instance=instance, tags=range_tags(keys)),
            )
        )  # fmt: skip
        assert run.success
        materialised = len(run.get_asset_materialization_events())
        assert materialised == len(keys), f"{materialised} files converted, {len(keys)} asked"
        raw_s = raw_pyarrow([landing / k for k in keys], home / "raw")
        figures.update(
            converted=len(keys),
            files_per_s=len(keys) / run_s,
            overhead_ms=(run_s - raw_s) / len(keys) * 1000,
            raw_ms=raw_s / len(keys) * 1000,
        )
        figures["graphql_s"] = graphql_latency(instance)
        instance.dispose()
    except Exception as exc:  # a storage that breaks at this size is a finding, not a crash
        figures["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--storages", default="postgres,sqlite")
    parser.add_argument("--convert", type=int, default=1000, help="files converted per size")
    parser.add_argument("--profile", action="store_true", help="cProfile ticks and the run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    storages = args.storages.split(",")
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEXUS_ENV", "local")
    server = process = None
    if any(s.startswith("postgres") for s in storages):
        from nexus_platform.deployment.postgres import PostgresServer, install_server

        root = Path(tempfile.mkdtemp(prefix="nexus-scale-pg-"))
        root.chmod(0o711)
        server = PostgresServer(root, _free_port(), install_server())
        server.init()
        process = server.start(start_new_session=True)
        server.wait_ready(process)
    rows = []
    try:
        for storage in storages:
            for files in sizes:
                print(f"== {storage}, {files:,} files", flush=True)
                figures = measure(storage, files, min(args.convert, files), server, args.profile)
                print(f"   {figures}", flush=True)
                rows.append(figures)
                if "error" in figures:
                    break  # larger sizes fail the same way
    finally:
        if process is not None:
            process.send_signal(2)  # SIGINT: the server's fast shutdown
            process.wait(60)
            shutil.rmtree(server.root, ignore_errors=True)
    report(rows)
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(rows: list[dict]) -> None:
    def cell(row, key, scale=1.0):
        return "-" if row.get(key) is None else row[key] * scale

    print_table(
        "landing files at scale (seconds unless said)",
        ["storage", "files", "1st tick eval", "1st tick add", "ticks", "steady tick",
         "steady, all done", "files/s", "overhead ms/file", "pyarrow ms/file", "GraphQL page", "error"],
        [(r["storage"], f"{r['files']:,}", cell(r, "first_eval_s"), cell(r, "first_apply_s"),
          r.get("ticks_to_index", "-"), cell(r, "steady_s"), cell(r, "steady_done_s"),
          cell(r, "files_per_s"),
          cell(r, "overhead_ms"), cell(r, "raw_ms"), cell(r, "graphql_s"),
          r.get("error", "")) for r in rows],
    )  # fmt: skip
    largest = {}
    for r in rows:
        if "error" not in r and r["storage"] == "postgres":
            largest = r if r["files"] >= largest.get("files", 0) else largest
    if largest:
        first = largest["first_eval_s"] + largest["first_apply_s"]
        print_targets([
            (f"first tick, {largest['files']:,} files", f"{first:.2f} s", "< 10 s", first < 10),
            (f"steady tick, {largest['files']:,} files asked for", f"{largest['steady_s']:.2f} s",
             "< 1 s", largest["steady_s"] < 1),
            (f"steady tick, {largest['files']:,} files done", f"{largest['steady_done_s']:.2f} s",
             "< 1 s", largest["steady_done_s"] < 1),
            ("per-file overhead over pyarrow", f"{largest['overhead_ms']:.1f} ms", "< 20 ms",
             largest["overhead_ms"] < 20),
        ])  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())
