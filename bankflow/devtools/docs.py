"""The dbt docs site: generate it, then serve it on 127.0.0.1.

    python -m bankflow.devtools.docs [--port N] [--warehouse FILE] [--generate-only]

``dbt docs generate`` writes the manifest (models, columns, tests,
exposures, lineage) and the catalog (the warehouse's real columns and types)
into ``.run/docs/target``, plus a single-file ``static_index.html`` that
opens without a server. ``dbt docs serve`` then serves that folder on
127.0.0.1 (never all interfaces) on ``--port`` or a free port; Ctrl-C stops it.

The catalog is read from a copy of the warehouse file (``$BANK_DUCKDB_PATH``,
else ``.run/warehouse.duckdb``), so a nightly run writing the warehouse is
never blocked; with no warehouse built yet the site still shows every
model and its documented columns, without the warehouse's types.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from bankflow.devtools.common import (
    WorkflowError,
    dbt_env,
    ensure_deps,
    log,
    run,
    setup_logging,
    tail,
    tool,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_warehouse(project: Path) -> Path:
    configured = os.environ.get("BANK_DUCKDB_PATH")
    return Path(configured) if configured else project / ".run" / "warehouse.duckdb"


def generate(project: Path, target: Path, warehouse: Path) -> Path:
    """Write the docs site into ``target``; return its folder."""
    with tempfile.TemporaryDirectory(prefix="bank-docs-") as scratch:
        # The copy keeps the file's name: dbt-duckdb names the database after it.
        copy = Path(scratch) / warehouse.name
        args = ["docs", "generate", "--static", "--target-path", str(target)]
        if warehouse.exists():
            shutil.copyfile(warehouse, copy)
            wal = warehouse.with_name(warehouse.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        else:
            args.append("--empty-catalog")
        env = dbt_env(Path(os.environ.get("DBT_PROFILES_DIR") or project), copy)
        ensure_deps(project, env)
        result = run([tool("dbt"), *args], cwd=project, env=env)
    if not result.ok:
        raise WorkflowError(f"dbt docs generate failed:\n{tail(result.output, 30)}")
    catalog = "the warehouse's columns" if warehouse.exists() else "no warehouse built yet"
    log.info("docs: generated %s in %.1fs (%s, %s)", target, result.seconds, catalog, warehouse)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--port", type=int, help="the port to serve on (default: a free one)")
    parser.add_argument("--warehouse", type=Path, help="the DuckDB file the catalog describes")
    parser.add_argument("--target-path", type=Path, help="default <project>/.run/docs/target")
    parser.add_argument("--generate-only", action="store_true", help="write the site, no server")
    args = parser.parse_args(argv)
    setup_logging()

    project = args.project_dir.resolve()
    target = (args.target_path or project / ".run" / "docs" / "target").resolve()
    warehouse = (args.warehouse or default_warehouse(project)).resolve()
    try:
        generate(project, target, warehouse)
    except WorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.generate_only:
        return 0

    port = args.port or free_port()
    print(f"serving the dbt docs on http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    cmd = [tool("dbt"), "docs", "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--no-browser", "--target-path", str(target)]
    env = dbt_env(Path(os.environ.get("DBT_PROFILES_DIR") or project), target / "serve.duckdb")
    os.chdir(project)
    # The server replaces this process, so stopping it (Ctrl-C, a signal) stops the server.
    os.execve(cmd[0], cmd, env)


if __name__ == "__main__":
    sys.exit(main())
