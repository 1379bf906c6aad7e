"""`ftb build` (identify) says which rows of a file it skipped and where (issue 11)."""

from __future__ import annotations


def test_a_malformed_csv_row_is_reported_in_the_build_output(cli, project):
    folder = project / "input_files"
    folder.mkdir(exist_ok=True)
    (folder / "faq.csv").write_text(
        "Question,Answer\nIs it free?,Yes it is.\nPython 2?,No, as of 2.28, it is not\n"
        "Can I self-host?,Yes with Docker.\n", encoding="utf-8")
    r = cli("build", "--input", str(folder / "faq.csv"), "--name", "w")
    assert r.code == 0, r.err
    assert "skipped while reading:" in r.out
    assert "faq.csv: line 3: 4 cells under a 2-column header (an unquoted comma?): " \
           "row skipped" in r.out
    data = cli("build", "--input", str(folder / "faq.csv"), "--name", "w2", "--json").json()
    (outcome,) = data["files"].values()
    assert outcome["found"] == 2 and len(outcome["warnings"]) == 1
