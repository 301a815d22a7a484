"""The dbt sources are generated from bankflow.schemas and committed current."""

from __future__ import annotations

from bankflow import dbt_sources, schemas


def test_committed_source_yaml_matches_the_schemas():
    stale = [
        str(p) for p, text in dbt_sources.paths().items() if not p.exists() or p.read_text() != text
    ]
    assert not stale, f"run `python -m bankflow.dbt_sources write`: {stale}"


def test_every_feed_and_field_is_a_source_column():
    for feed in schemas.FEEDS:
        text = dbt_sources.render(feed.source)
        assert f"      - name: {feed.table}\n" in text
        for f in feed.fields:
            assert f"          - name: {f.name}\n" in text, f"{feed.name}.{f.name}"
        for name, _, _ in dbt_sources.BRONZE_COLUMNS:
            assert f"          - name: {name}\n" in text


def test_pii_fields_are_marked_in_the_sources():
    text = dbt_sources.render("core_banking")
    block = text.split("          - name: national_id\n", 1)[1].split("          - name:", 1)[0]
    assert "pii: true" in block


def test_check_command_reports_a_stale_file(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_sources, "STAGING", tmp_path)
    assert dbt_sources.main(["check"]) == 1
    assert dbt_sources.main(["write"]) == 0
    assert dbt_sources.main(["check"]) == 0
