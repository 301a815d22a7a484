"""The corpus of hand-written lines is what it claims to be (no Spark here).

Spark's verdict on every corpus line is compared with ``schemas.validate``'s
in ``test_ingest.py``, where the corpus is appended to a simulated day.
"""

from __future__ import annotations

import pytest

from bankflow import schemas
from tests.bronze import records


@pytest.mark.parametrize("feed", schemas.FEEDS, ids=lambda f: f.name)
def test_corpus_lines_get_the_reason_they_were_written_for(feed):
    wrong = []
    for raw, expected in records.bad_lines(feed, 5):
        try:
            schemas.validate(feed, raw, records.DAY)
            got = None
        except schemas.Rejected as exc:
            got = exc.reason
        if got != expected:
            wrong.append(f"{raw[:100]!r}: expected {expected}, validate says {got}")
    assert not wrong, "\n".join(wrong)


def test_corpus_covers_every_reason_and_good_lines():
    reasons = {r for feed in schemas.FEEDS for _, r in records.bad_lines(feed)}
    assert reasons == {*schemas.REJECT_REASONS, None}
    for feed in schemas.FEEDS:
        for i in range(3):
            schemas.validate(feed, records.line(records.good_record(feed, i, nulls=i == 1)))
