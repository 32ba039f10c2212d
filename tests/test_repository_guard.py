"""The guard that keeps tests out of the repository's reports/ does notice a write."""

from tests.repository_guard import changes, snapshot


def test_a_new_or_rewritten_report_is_noticed(tmp_path):
    reports = tmp_path / "reports"
    assert snapshot(reports) == {}
    reports.mkdir()
    (reports / "check-prod.md").write_text("old")
    before = snapshot(reports)
    (reports / "check-prod.md").write_text("rewritten by a test")
    (reports / "check-dev.json").write_text("{}")
    assert changes(before, snapshot(reports)) == ["check-dev.json", "check-prod.md"]
    assert changes(before, before) == []
