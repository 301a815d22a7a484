"""Trailing whitespace and the newline at the end of a file: find, or fix.

The two fixers every pre-commit set has, in the standard library, because
pre-commit cannot download its hook repositories here:

    python -m bankflow.devtools.whitespace [--fix] FILE...

Binary files (with a NUL byte) are left alone. Exit 1 when a file was, or
would be, changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def problems(data: bytes) -> list[str]:
    """What is wrong with a text file's bytes: trailing blanks by line, the end of the file."""
    found = []
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if line.rstrip(b"\r") != line.rstrip(b"\r").rstrip(b" \t"):
            found.append(f"line {number}: trailing whitespace")
    if data and not data.endswith(b"\n"):
        found.append("no newline at the end of the file")
    elif data.endswith(b"\n\n") or data.strip(b"\r\n") == b"" and data:
        found.append("blank lines at the end of the file")
    return found


def fixed(data: bytes) -> bytes:
    """The bytes with trailing blanks removed and exactly one newline at the end."""
    lines = data.split(b"\n")
    out = []
    for line in lines:
        ending = b"\r" if line.endswith(b"\r") else b""
        out.append(line.rstrip(b"\r").rstrip(b" \t") + ending)
    text = b"\n".join(out).rstrip(b"\r\n")
    return text + b"\n" if text else b""


def check(paths: list[str], fix: bool) -> int:
    changed = 0
    for name in paths:
        path = Path(name)
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        found = problems(data)
        if not found:
            continue
        changed += 1
        if fix:
            path.write_bytes(fixed(data))
            print(f"{name}: fixed ({'; '.join(found[:3])})")
        else:
            more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
            print(f"{name}: {'; '.join(found[:3])}{more}")
    if changed and not fix:
        print(
            f"{changed} file(s) with stray whitespace: run `make lint-fix` "
            "(or `python -m bankflow.devtools.whitespace --fix FILE`)"
        )
    return 1 if changed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="rewrite the files in place")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    return check(args.files, args.fix)


if __name__ == "__main__":
    sys.exit(main())
