"""`make pr-check` on a real second revision builds the changed model, its children, nothing else.

The clone's HEAD is the base; a second commit edits one intermediate model
that has children. The check builds the base once (in its own DuckDB
file), then `dbt build --select state:modified+ --defer` into a new one;
run_results.json must hold exactly the changed model, its descendants and
their tests, the changed model must read its unchanged parents from the
base warehouse, and the new warehouse must hold only what was rebuilt.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.workflow.conftest import commit_all, ensure_sqlfluff_config, git, make

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def descendants(manifest: dict, node: str) -> set[str]:
    seen, todo = set(), [node]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def an_intermediate_model_with_children(clone: Path) -> Path:
    """The first intermediate model (by name) that another model refs."""
    models = sorted((clone / "models").rglob("*.sql"))
    for path in (p for p in models if "/intermediate/" in str(p)):
        ref = re.compile(rf"ref\(\s*['\"]{path.stem}['\"]\s*\)")
        if any(ref.search(other.read_text()) for other in models if other != path):
            return path
    pytest.fail("the project has no intermediate model with children to change")


def test_pr_check_builds_only_the_change_and_its_children(clone: Path, clone_env):
    ensure_sqlfluff_config(clone)
    base = commit_all(clone, "the base, as merged") if git(clone, "status", "--short") else None
    base = base or git(clone, "rev-parse", "HEAD")

    git(clone, "checkout", "-q", "-b", "analyst/change")
    work = clone / ".run" / "pr-check"

    sql = an_intermediate_model_with_children(clone)
    sql.write_text(sql.read_text() + "-- reviewed: the grain of this model is unchanged\n")
    commit_all(clone, f"Touch {sql.stem}")

    result = make(clone, "pr-check", f"BASE={base}", env=clone_env)
    output = result.stdout + result.stderr
    # The manifest the base build wrote is the reference for what depends on what.
    base_manifest = json.loads(next((work / "base").glob("*/target/manifest.json")).read_text())
    changed = base_manifest["nodes"][f"model.bank.{sql.stem}"]
    report = json.loads((work / "pr-check.json").read_text())
    run_results = json.loads((work / "pr" / "target" / "run_results.json").read_text())
    ran = {r["unique_id"] for r in run_results["results"]}

    expected_models = {changed["unique_id"]} | {
        d for d in descendants(base_manifest, changed["unique_id"]) if d.startswith("model.")
    }
    assert {u for u in ran if u.startswith("model.")} == expected_models, output
    assert not {u for u in ran if u.startswith(("seed.", "snapshot."))}, output
    tests = {u for u in ran if u.startswith("test.")}
    assert tests, "the changed model's tests must run"
    for test in tests:
        parents = set(base_manifest["nodes"].get(test, {}).get("depends_on", {}).get("nodes", []))
        assert parents & expected_models, f"{test} tests nothing that changed"
    assert changed["original_file_path"] in report["changed_files"]

    # Deferral is real: unchanged parents are read from the attached base warehouse.
    compiled = next(r for r in run_results["results"] if r["unique_id"] == changed["unique_id"])
    assert '"warehouse_base".' in compiled["compiled_code"], compiled["compiled_code"][:400]
    con = duckdb.connect(str(work / "pr" / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = 'warehouse'"
        ).fetchall()
    finally:
        con.close()
    # Source views (the project's on-run-start stages them) aside, the new
    # warehouse holds exactly the rebuilt models, no unchanged parent.
    relations = {
        (n["schema"], n["alias"]): uid
        for uid, n in base_manifest["nodes"].items()
        if n["resource_type"] in ("model", "seed", "snapshot")
    }
    in_pr_warehouse = {relations[r] for r in rows if r in relations}
    assert in_pr_warehouse == expected_models

    # The build and the health checks pass; lint findings (if any) are the SQL's, reported.
    failed = report["failed_steps"]
    assert not [s for s in failed if s.startswith(("dbt", "health"))], output
    assert (result.returncode != 0) == bool(failed), output


def test_pr_check_skips_the_build_when_no_dbt_file_changed(clone: Path, clone_env):
    base = git(clone, "rev-parse", "HEAD")
    readme = clone / "README.md"
    readme.write_text(readme.read_text() + "\nA line for the reviewers.\n")
    commit_all(clone, "Say more in the README")

    result = make(clone, "pr-check", f"BASE={base}", env=clone_env, timeout=300)
    output = result.stdout + result.stderr
    report = json.loads((clone / ".run" / "pr-check" / "pr-check.json").read_text())

    assert result.returncode == 0, output
    assert report["changed_files"] == ["README.md"]
    assert report["build"]["built"] == []
    assert "no dbt file changed since the base" in output
    assert not (clone / ".run" / "pr-check" / "base").exists(), "no base build is needed"
