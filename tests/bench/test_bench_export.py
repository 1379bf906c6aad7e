"""The export bench runs end to end (tiny size) and reports rows/s per format."""

from bench.bench_export import run


def test_export_bench_reports_rows_per_second_per_format() -> None:
    lines: list[str] = []
    run(lines.append, n=30, formats=("chatml", "parquet"))
    assert lines[0].startswith("30 conversations imported")
    assert [x.split()[0] for x in lines[1:]] == ["chatml", "parquet"]
    assert all("rows/s" in x and "skipped" not in x for x in lines[1:])
