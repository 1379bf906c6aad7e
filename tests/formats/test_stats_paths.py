"""stats.json and metadata.csv name source files relative to the project and round figures
(issue 13: "/home/me/proj/input_files/faq.md" and "p95: 77.29999999999997" were written)."""

from __future__ import annotations

import csv
import io

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.csvmeta import MetadataWriter
from ftbuilder.formats.stats import DatasetStats


def _conv(source: str, tokens: int) -> Conversation:
    return Conversation([Message("user", "q?"), Message("assistant", "a.")],
                        source_file=source, token_count=tokens)


def test_paths_under_the_project_are_relative_and_figures_rounded(tmp_path):
    root = tmp_path / "proj"
    inside, outside = str(root / "input_files" / "faq.md"), "/elsewhere/notes.txt"
    convs = [_conv(inside, t) for t in (10, 31, 77, 78, 80)] + [_conv(outside, 12)]
    stats = DatasetStats(root)
    fh = io.StringIO()
    meta = MetadataWriter(fh, root)
    for c in convs:
        stats.add(c)
        meta.write(c)
    d = stats.to_dict()
    assert d["sources"] == {"input_files/faq.md": 5, "/elsewhere/notes.txt": 1}
    for k in ("median", "p5", "p95", "mean"):
        assert d["tokens"][k] == round(d["tokens"][k], 2)
    assert d["tokens"]["p95"] == 79.5
    rows = list(csv.DictReader(io.StringIO(fh.getvalue())))
    assert [r["source_file"] for r in rows] == ["input_files/faq.md"] * 5 + [outside]


def test_without_a_root_paths_are_kept_as_stored():
    stats = DatasetStats()
    stats.add(_conv("/abs/faq.md", 5))
    assert stats.to_dict()["sources"] == {"/abs/faq.md": 1}
