"""The Review screen's sample view cites where an identified sample is (issue 11)."""

from __future__ import annotations

from ftbuilder.core.types import Conversation, Message
from ftbuilder.tui.widgets.sample_view import meta_text


def test_meta_line_shows_location_heading_speaker_and_timestamp() -> None:
    conv = Conversation([Message("user", "Why?"), Message("assistant", "Because.")],
                        source_file="/elsewhere/talk.md", location="lines 27-44")
    conv.id = 4
    conv.meta = {"citation": {"file": "talk.md", "location": "lines 27-44",
                              "heading": "Introductions", "speaker": "Arpit",
                              "timestamp": "07:41"}}
    text = meta_text(conv)
    assert "source /elsewhere/talk.md · lines 27-44 · under Introductions · asked by Arpit" \
           " · at 07:41" in text
