"""HTML: visible text only, headings and paragraph breaks kept, located by source line."""

from __future__ import annotations

from fixtures_docs import write_text
from ftbuilder.ingest.html import html_segments, read_html

PAGE = """<!doctype html>
<html><head><title>Help centre</title>
<style>p { color: red }</style>
<script>var hidden = "<p>not text</p>";</script></head>
<body>
<h2>How do I   reset my password?</h2>
<p>Open <b>Settings</b> &amp; press
Reset.</p>
<ul><li>one</li><li>two</li></ul>
<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>9 &euro;</td></tr></table>
<pre>line 1
  indented</pre>
<noscript>enable JS</noscript>
</body></html>
"""


def test_visible_text_blocks_with_lines(tmp_path):
    doc = read_html(write_text(tmp_path / "help.html", PAGE))
    got = [(s.location, s.text) for s in doc.segments]
    assert got == [
        ("line 2", "Help centre"),
        ("line 6", "## How do I reset my password?"),
        ("lines 7-8", "Open Settings & press Reset."),
        ("line 9", "- one"),
        ("line 9", "- two"),
        ("line 10", "Plan | Price"),
        ("line 10", "Pro | 9 €"),
        ("lines 11-12", "line 1\n  indented"),
    ]
    assert "hidden" not in doc.text and "color" not in doc.text and "enable JS" not in doc.text


def test_unclosed_tags_and_br():
    segs = html_segments("<p>first<br>second<p>third")
    assert [s.text for s in segs] == ["first", "second", "third"]
