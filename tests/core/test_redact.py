"""Key redaction: whole keys, pieces of keys cut by someone else, log records."""

from __future__ import annotations

import logging

from ftbuilder.core import redact as r

KEY = "sk-proj-Zq8X3vT1mN5pL7wR9yB2cD4fG6hJ0kK1aS3dF5gH7jK"  # 51 characters


def test_a_whole_key_is_replaced():
    assert r.redact(f"auth failed for {KEY}.", [KEY]) == "auth failed for ***."


def test_a_key_cut_by_another_program_is_still_caught_from_12_characters():
    head, tail = KEY[:30] + "…", "…" + KEY[-12:]
    out = r.redact(f"body: {head} and {tail} end", [KEY])
    assert out == "body: ***… and …*** end"
    assert KEY[:11] in r.redact(f"x {KEY[:11]} y", [KEY])  # 11 characters: ordinary text


def test_a_piece_glued_to_other_token_characters_is_removed_with_them():
    out = r.redact(f'{{"k":"abc{KEY[5:40]}xyz"}}', [KEY])
    assert out == '{"k":"***"}'


def test_the_mark_and_short_or_blank_values():
    assert r.redact(f"x {KEY} y", [KEY], "[REDACTED]") == "x [REDACTED] y"
    assert r.redact("a key abc", ["abc", "", None, "   "]) == "a key abc"
    assert r.redact(f"v={KEY}", [f"  {KEY}\n"]) == "v=***"  # the value as .env may hold it


def test_a_huge_text_is_redacted_quickly():
    import time

    text = "[" * 5_000_000 + KEY[3:40] + "a" * 1_000_000
    t0 = time.monotonic()
    out = r.redact(text, [KEY])
    assert time.monotonic() - t0 < 5
    assert KEY[3:40] not in out and out.startswith("[" * 5_000_000 + "***")


def test_log_records_of_ftbuilder_loggers_are_redacted(caplog):
    r.register_secrets([KEY])
    caplog.set_level(logging.INFO)
    for name in ("ftbuilder", "ftbuilder.backends", "ftbuilder.tui"):
        logging.getLogger(name).info("key %s and piece %s", KEY, KEY[10:40])
    try:
        raise ValueError(f"server said {KEY}")
    except ValueError:
        logging.getLogger("ftbuilder.backends").exception("failed")
    text = "\n".join(rec.getMessage() + (rec.exc_text or "") for rec in caplog.records)
    assert len(caplog.records) == 4
    assert "key *** and piece ***" in text and "server said ***" in text
    for i in range(len(KEY) - 11):
        assert KEY[i:i + 12] not in text


def test_a_lowercased_piece_is_caught_too():
    assert r.redact(f"keywords: {KEY[8:30].lower()}, refunds", [KEY]) == "keywords: ***, refunds"
