"""metadata.csv rows and the statistics accumulator."""

from __future__ import annotations

import csv
import io

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.csvmeta import COLUMNS, preview, write_metadata
from ftbuilder.formats.stats import DatasetStats


def sample(i: int, **kw: object) -> Conversation:
    c = Conversation([Message("system", "sys"),
                      Message("user", f"Question  {i},\n with \"quotes\""),
                      Message("assistant", "answer")], **kw)  # type: ignore[arg-type]
    c.id = i
    return c


def test_csv_columns_and_rows() -> None:
    buf = io.StringIO(newline="")
    n = write_metadata(buf, [sample(1, token_count=12, topic_keywords=["a", "b"],
                                    source_file="x.pdf", split="train"), sample(2)])
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert n == 2
    assert tuple(rows[0]) == COLUMNS == ("sample_id", "content_preview", "token_length",
                                         "topic_keywords", "source_file", "split", "location",
                                         "citation")
    assert rows[1] == ["1", 'Question 1, with "quotes"', "12", "a; b", "x.pdf", "train", "",
                       ""]
    assert rows[2] == ["2", 'Question 2, with "quotes"', "", "", "", "", "", ""]


def test_location_and_citation_columns() -> None:
    buf = io.StringIO(newline="")
    conv = sample(3, source_file="talk.md", location="lines 27-44")
    conv.meta = {"citation": {"file": "talk.md", "location": "lines 27-44",
                              "heading": "Introductions", "speaker": "Arpit",
                              "timestamp": "07:41"}}
    write_metadata(buf, [conv])
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[1][-2:] == ["lines 27-44",
                            "heading: Introductions; speaker: Arpit; at 07:41"]


def test_preview_is_cut_with_an_ellipsis() -> None:
    c = Conversation([Message("user", "word " * 100)])
    p = preview(c, 20)
    assert len(p) <= 20 and p.endswith("…")


def test_stats_keys_and_figures() -> None:
    acc = DatasetStats()
    for i, t in enumerate([10, 20, 30, None], 1):
        acc.add(sample(i, token_count=t, split="train" if i < 3 else None,
                       source_file="a.pdf", topic_keywords=["k"],
                       meta={"near_duplicate_of": 1} if i == 2 else {}))
    d = acc.to_dict()
    assert set(d) == {"samples", "splits", "tokens", "messages_per_sample", "roles", "sources",
                      "distinct_sources", "keywords", "near_duplicates"}
    assert d["samples"] == 4 and d["splits"] == {"train": 2, "unsplit": 2}
    assert d["tokens"] == {"total": 60, "counted": 3, "not_counted": 1, "min": 10, "max": 30,
                           "mean": 20.0, "median": 20.0, "p5": 11.0, "p95": 29.0}
    assert d["messages_per_sample"] == {"min": 3, "max": 3, "mean": 3.0}
    assert d["roles"] == {"system": 4, "user": 4, "assistant": 4}
    assert d["sources"] == {"a.pdf": 4} and d["keywords"] == {"k": 4}
    assert d["near_duplicates"] == 1
