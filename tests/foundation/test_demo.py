import json

from bankflow import demo


def _report(status: str) -> dict:
    return {
        "business_date": "2026-11-02",
        "status": status,
        "steps": {
            "land_day": {
                "manifest": {
                    "totals": {
                        "event_lines": 2000,
                        "extract_lines": 615,
                        "fraud_instances": 5,
                        "bad": 10,
                    }
                }
            },
            "bronze_quality_gate": {"read": 2615, "quarantined": 7, "limit": 0.1},
            "publish_redis": {
                "version": "2026-11-02",
                "families": [{"family": "segment", "written": 200}],
            },
        },
        "task_states": {"dbt.a.run": "success", "dbt.a.test": "failed", "plan": "success"},
        "failed_tasks": ["dbt.a.test"] if status == "failed" else [],
    }


def test_summary_names_every_step_and_failed_task():
    lines = demo.summary(_report("failed"))
    assert lines[0] == "nightly 2026-11-02: failed"
    assert "2,000 events and 615 extract rows; 5 fraud instances, 10 bad records" in lines[1]
    assert "read 2,615, quarantined 7 (0.27%, limit 10%)" in lines[2]
    assert "1 of 2 tasks succeeded" in lines[3]
    assert "version 2026-11-02 current: 200 segment" in lines[4]
    assert lines[-1].endswith("dbt.a.test")


def test_main_exits_non_zero_on_a_failed_night_or_a_missing_report(lake, capsys):
    assert demo.main(["--day", "2026-11-02"]) == 1
    assert "no nightly run report" in capsys.readouterr().err

    path = lake / "reports" / "nightly" / "2026-11-02.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_report("failed")))
    assert demo.main(["--day", "2026-11-02"]) == 1
    path.write_text(json.dumps(_report("success")))
    assert demo.main(["--day", "2026-11-02"]) == 0
