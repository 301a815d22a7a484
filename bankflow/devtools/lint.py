"""The project's lint checks, one definition for pre-commit, ``make lint`` and CI.

    python -m bankflow.devtools.lint                     every file of the project
    python -m bankflow.devtools.lint --base main         the files changed since main
    python -m bankflow.devtools.lint FILE...             these files (what pre-commit passes)
    python -m bankflow.devtools.lint --only sqlfluff     one check (comma-separated names)
    python -m bankflow.devtools.lint --fix               apply the checks that can fix

Checks, in order: whitespace, yamllint, ruff, ruff-format, sqlfluff (dbt
templater, the rules in ``.sqlfluff``), dbt-parse. Each prints what it found
and, on a failure, the command that fixes it. Exit 1 if any check failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bankflow.devtools.common import (
    SQL_FOLDERS,
    WorkflowError,
    changed_files,
    dbt_env,
    ensure_deps,
    is_dbt_file,
    log,
    merge_base,
    project_files,
    resolve,
    run,
    setup_logging,
    tool,
)

# Never linted: vendored dbt packages and anything generated.
SKIPPED_PREFIXES = ("dbt_packages/", "target/", "lake/", ".run/", "logs/")
SKIPPED_SUFFIXES = (".lock", ".duckdb", ".parquet", ".png", ".gz")


@dataclass(frozen=True)
class Check:
    name: str
    selects: Callable[[str], bool]
    command: Callable[[Path, list[str], bool], list[str]]
    fix_hint: str
    can_fix: bool = False
    takes_files: bool = True


def _is_sql(path: str) -> bool:
    return path.endswith(".sql") and any(path.startswith(f + "/") for f in SQL_FOLDERS)


def _py(path: str) -> bool:
    return path.endswith(".py")


def _yaml(path: str) -> bool:
    return path.endswith((".yml", ".yaml"))


def _whitespace(project: Path, files: list[str], fix: bool) -> list[str]:
    cmd = [sys.executable, "-m", "bankflow.devtools.whitespace"]
    return cmd + (["--fix"] if fix else []) + files


def _yamllint(project: Path, files: list[str], fix: bool) -> list[str]:
    # Errors fail; warnings (long lines) are printed only.
    return [tool("yamllint"), "-c", ".yamllint.yml", "-f", "parsable", *files]


def _ruff(project: Path, files: list[str], fix: bool) -> list[str]:
    return [tool("ruff"), "check", *(["--fix"] if fix else []), "--no-cache", *files]


def _ruff_format(project: Path, files: list[str], fix: bool) -> list[str]:
    return [tool("ruff"), "format", *([] if fix else ["--check", "--diff"]), "--no-cache", *files]


def _sqlfluff(project: Path, files: list[str], fix: bool) -> list[str]:
    if not (project / ".sqlfluff").exists():
        raise WorkflowError(
            "no .sqlfluff in the project: add one with `templater = dbt` and the rule set"
        )
    verb = ["fix"] if fix else ["lint", "--format", "human"]
    return [tool("sqlfluff"), *verb, "--disable-progress-bar", *files]


def _dbt_parse(project: Path, files: list[str], fix: bool) -> list[str]:
    return [tool("dbt"), "parse", "--no-partial-parse", "--quiet"]


CHECKS = (
    Check(
        "whitespace",
        lambda p: True,
        _whitespace,
        "run `make lint-fix` to strip trailing blanks and end each file with one newline",
        can_fix=True,
    ),
    Check(
        "yamllint",
        _yaml,
        _yamllint,
        "edit the file at the line shown; the rules are in .yamllint.yml "
        "(indent lists under their key, two spaces, lines within 100)",
    ),
    Check(
        "ruff",
        _py,
        _ruff,
        "run `make lint-fix` for what ruff can fix; the rest by hand "
        "(`ruff rule <CODE>` explains a rule)",
        can_fix=True,
    ),
    Check(
        "ruff-format",
        _py,
        _ruff_format,
        "run `make lint-fix` (ruff format) to apply the formatting shown",
        can_fix=True,
    ),
    Check(
        "sqlfluff",
        _is_sql,
        _sqlfluff,
        "run `make lint-fix FILES=<file>` (sqlfluff fix) for layout, case and commas; "
        "aliases, join types and long lines by hand (`sqlfluff lint <file>` to re-check; "
        "CONTRIBUTING.md, 'What the checks say')",
        can_fix=True,
    ),
    Check(
        "dbt-parse",
        is_dbt_file,
        _dbt_parse,
        "the YAML or Jinja named above does not parse: fix it where dbt says "
        "(a ref to a missing model, a misspelt key, a bad indent)",
        takes_files=False,
    ),
)
NAMES = tuple(c.name for c in CHECKS)


def _fix_for(check: Check, output: str) -> str:
    if "No files found that match the pattern" in output:
        # A macro that reads the lake at compile time found nothing there.
        return (
            "compiling read the lake and found no files: land a day first "
            "(`make demo`, or `make simulate bronze`) or point BANK_LAKE_ROOT at one"
        )
    return check.fix_hint


def lintable(path: str) -> bool:
    return not path.startswith(SKIPPED_PREFIXES) and not path.endswith(SKIPPED_SUFFIXES)


def run_checks(
    project: Path, files: list[str], *, only: tuple[str, ...] = NAMES, fix: bool = False
) -> list[str]:
    """Run the checks over the files; return the names of the checks that failed."""
    files = [f for f in files if lintable(f) and (project / f).is_file()]
    failed = []
    with tempfile.TemporaryDirectory(prefix="bank-lint-") as scratch:
        scratch_dir = Path(scratch)
        # dbt and sqlfluff's dbt templater get a warehouse and a target of their own.
        env = dbt_env(project, scratch_dir / "lint.duckdb", DBT_TARGET_PATH=str(scratch_dir))
        for check in CHECKS:
            if check.name not in only:
                continue
            chosen = [f for f in files if check.selects(f)]
            if not chosen:
                log.info("lint %s: no files", check.name)
                continue
            started = time.monotonic()
            if check.name in ("sqlfluff", "dbt-parse"):
                ensure_deps(project, env)  # both compile the project, packages included
            args = chosen if check.takes_files else []
            try:
                cmd = check.command(project, args, fix and check.can_fix)
            except WorkflowError as error:
                log.info("lint %s: %d file(s) in, CANNOT RUN: %s", check.name, len(chosen), error)
                failed.append(check.name)
                continue
            result = run(cmd, cwd=project, env=env)
            seconds = time.monotonic() - started
            status = "passed" if result.ok else "FAILED"
            log.info("lint %s: %d file(s) in, %s, %.1fs", check.name, len(chosen), status, seconds)
            if not result.ok:
                failed.append(check.name)
                print(result.output.rstrip())
                print(f"--> {check.name} failed. Fix: {_fix_for(check, result.output)}\n")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="files to check (default: the whole project)")
    parser.add_argument("--base", help="check only the files changed since this git ref")
    parser.add_argument("--only", help=f"comma-separated checks, of: {', '.join(NAMES)}")
    parser.add_argument("--fix", action="store_true", help="apply the checks that can fix")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    setup_logging()

    project = args.project_dir.resolve()
    only = tuple(args.only.split(",")) if args.only else NAMES
    unknown = set(only) - set(NAMES)
    if unknown:
        parser.error(f"unknown check(s) {sorted(unknown)}; the checks are {', '.join(NAMES)}")
    try:
        if args.files:
            files = args.files
        elif args.base:
            files = changed_files(project, merge_base(project, resolve(project, args.base)))
        else:
            files = project_files(project)
        failed = run_checks(project, files, only=only, fix=args.fix)
    except WorkflowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if failed:
        print(f"lint failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
