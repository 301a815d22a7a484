"""Landing lines written by hand from the schemas: good records and bad ones.

The corpus covers every reject reason and the places where Spark's JSON
parser and Python's ``json.loads`` disagree unless bronze takes care.
"""

from __future__ import annotations

import json
import random
from datetime import date

from bankflow import schemas
from bankflow.schemas import Feed, Field

DAY = date(2026, 11, 2)


def _value(f: Field, i: int):
    if f.values:
        return f.values[i % len(f.values)]
    if f.type == "string":
        return f"{f.name[:3]}-{i:06d}"
    if f.type == "integer":
        return 5 + i % 40
    if f.type == "decimal":
        return round(1 + (i * 37.13) % 900, 2)
    if f.type == "double":
        return 48.1 + (i % 100) / 997
    if f.type == "boolean":
        return i % 2 == 0
    if f.type == "date":
        return f"20{10 + i % 15}-0{1 + i % 9}-1{i % 10}"
    return f"2026-11-02T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z"


def good_record(feed: Feed, i: int = 0, nulls: bool = False) -> dict:
    """A valid record of ``feed``; ``nulls`` sets every nullable field to null."""
    record = {}
    for f in feed.fields:
        record[f.name] = None if (f.nullable and nulls) else _value(f, i)
    record["event_id"] = f"{feed.table}-{i:08d}"
    return record


def line(record: dict) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode()


def bad_lines(feed: Feed, i: int = 0) -> list[tuple[bytes, str]]:
    """Bad lines of ``feed`` with the reason ``schemas.validate`` gives them."""
    rec = good_record(feed, i)
    text = line(rec)
    required = feed.required[-1]
    decimal = next((f.name for f in feed.fields if f.type == "decimal"), None)
    enum = next((f.name for f in feed.fields if f.values), None)
    out = [
        (text[:-5] + b"\xff\xfe" + text[-5:], "bad_encoding"),
        (text.replace(b'"', b"\xef\xbf\xbd", 1), "bad_encoding"),
        (text[: len(text) // 2], "malformed_json"),
        (text + b" garbage", "malformed_json"),
        (text + text, "malformed_json"),
        (text + b"]}", "malformed_json"),
        (text.replace(b'"', b"'"), "malformed_json"),
        (b"\xef\xbb\xbf" + text, "malformed_json"),
        (b"[" + text + b"]", "malformed_json"),
        (b"", "malformed_json"),
        (b"null", "malformed_json"),
        (b"[" * 100_000, "malformed_json"),
        (text[:-1] + b",}", "malformed_json"),
        (line({k: v for k, v in rec.items() if k != required}), "missing_field"),
        (line({**rec, required: None}), "missing_field"),
        (line({**rec, "surprise": 1}), "unexpected_field"),
        (line({**rec, "event_id": 12}), "wrong_type"),
        (line({**rec, "event_id": ["x"]}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-02 10:00:00"}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-02T25:00:00Z"}), "wrong_type"),
        (line({**rec, "event_at": "0000-01-01T00:00:00Z"}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-02T10:00:00.1234567Z"}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-02T24:00:00Z"}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-02T23:59:60Z"}), "wrong_type"),
        (line({**rec, "event_at": "2026-02-29T10:00:00Z"}), "wrong_type"),
        (line({**rec, "event_at": "2024-02-29T10:00:00.5Z"}), None),
        (line({**rec, "event_at": "2026-11-02T10:00:00+01:00"}), "wrong_type"),
        (line({**rec, "event_at": "2026-11-04T03:00:00Z"}), "future_timestamp"),
        (text.replace(b'"event_id":', b'"surprise":NaN,"event_id":'), "unexpected_field"),
        (text.replace(b'"event_id":"', b'"event_id":NaN,"x":"'), "unexpected_field"),
    ]
    if enum:
        out.append((line({**rec, enum: "nonsense"}), "invalid_value"))
        out.append((line({**rec, enum: 3}), "wrong_type"))
    if decimal:
        out += [
            (line({**rec, decimal: 12.345}), "impossible_amount"),
            (line({**rec, decimal: 1e30}), "impossible_amount"),
            (line({**rec, decimal: "12.00"}), "wrong_type"),
            (line({**rec, decimal: True}), "wrong_type"),
            (
                text.replace(f'"{decimal}":'.encode(), f'"{decimal}":NaN,"y":'.encode()),
                "unexpected_field",
            ),
            (
                line(rec).replace(
                    f'"{decimal}":'.encode(), f'"{decimal}":-Infinity,"zz":'.encode()
                ),
                "unexpected_field",
            ),
            (_set_token(rec, decimal, "NaN"), "wrong_type"),
            (_set_token(rec, decimal, "1E400"), "wrong_type"),
            (_set_token(rec, decimal, "12.3400000000000000001"), None),
            (_set_token(rec, decimal, "1e2"), None),
            (_set_token(rec, decimal, "100.000"), None),
        ]
        if decimal == "amount":
            out += [
                (line({**rec, decimal: 0}), "impossible_amount"),
                (line({**rec, decimal: -5.5}), "impossible_amount"),
                (line({**rec, decimal: 10_000_000.01}), "impossible_amount"),
                (line({**rec, decimal: 10_000_000}), None),
                (line({**rec, decimal: 0.01}), None),
            ]
    for f in feed.fields:
        if f.type == "integer":
            out += [
                (_set_token(rec, f.name, "1.0"), "wrong_type"),
                (_set_token(rec, f.name, "1e1"), "wrong_type"),
                (_set_token(rec, f.name, "-0"), None),
                (_set_token(rec, f.name, "99999999999999999999"), "wrong_type"),
                (_set_token(rec, f.name, "true"), "wrong_type"),
            ]
        if f.type == "date":
            out += [
                (line({**rec, f.name: "2026-02-30"}), "wrong_type"),
                (line({**rec, f.name: "2024-02-29"}), None),
                (line({**rec, f.name: "2026-1-02"}), "wrong_type"),
                (line({**rec, f.name: "2026-11-02 "}), "wrong_type"),
                (line({**rec, f.name: "2026-13-01"}), "wrong_type"),
            ]
        if f.type == "double":
            out.append((_set_token(rec, f.name, "7"), None))
            out.append((_set_token(rec, f.name, '"7.0"'), "wrong_type"))
    out += [
        (b"  " + text + b" \r", None),
        (text.replace(b'"event_id":"', b'"event_id":"x","event_id":"'), None),
        (text.replace(b'"event_id":"', b'"event_id":{"a":[1]},"event_id":"'), None),
        (line({**rec, "event_id": 'quote " and brace } ] inside'}), None),
        (line({**rec, "event_id": "caf\u00e9 \u2603 \U0001f600"}), None),
        (json.dumps({**rec, "event_id": "caf\u00e9"}, ensure_ascii=False).encode(), None),
        (line({**rec, "event_id": "x: NaN, y"}), None),
        (line({**rec, "event_at": "2026-11-03T01:00:00Z"}), None),
        (line({**rec, "event_at": "2026-11-03T01:00:00.000001Z"}), "future_timestamp"),
        (line({**rec, "event_at": "2026-10-01T00:00:00Z"}), None),
        (text.replace(b'"event_id"', b'"event\\u005fid"'), None),
    ]
    return out


def _set_token(rec: dict, name: str, token: str) -> bytes:
    """The record's line with ``name``'s value written as the raw ``token``."""
    marker = "\u0001MARK\u0001"
    text = json.dumps({**rec, name: marker}, separators=(",", ":"))
    return text.replace(json.dumps(marker), token).encode()


def corpus(seed: int = 7) -> dict[str, list[bytes]]:
    """Per feed: good lines (with and without nulls) and every bad line, shuffled."""
    rng = random.Random(seed)
    out = {}
    for feed in schemas.FEEDS:
        lines = [line(good_record(feed, i, nulls=i % 3 == 0)) for i in range(12)]
        lines += [b for b, _ in bad_lines(feed, 5)]
        rng.shuffle(lines)
        out[feed.name] = lines
    return out
