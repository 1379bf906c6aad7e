"""Topic keywords: deterministic TF-IDF, stopwords out, lowercased, 3-5 per sample."""

from __future__ import annotations

from ftbuilder.core.types import Conversation, Message
from ftbuilder.extract.keywords import KeywordIndex, attach_keywords, tokens


def conv(q: str, a: str) -> Conversation:
    return Conversation([Message("user", q), Message("assistant", a)])


SAMPLES = [
    conv("How do I reset my password?",
         "Open Settings, choose Security and click Reset password. A reset link is emailed."),
    conv("How do I change my password?",
         "Open Settings, choose Security and type the new password twice."),
    conv("Can I pay my invoice by bank transfer?",
         "Yes. Invoices list the IBAN; bank transfer takes two days."),
    conv("Where do I download invoices?",
         "Billing lists every invoice as a PDF download."),
]


def test_tokens_lowercase_without_stopwords_numbers_or_short_words() -> None:
    assert tokens("The Router's FIRMWARE is at v2, see 192.168.1.1 and IT's OK on AX3000") == [
        "router", "firmware", "ax3000"]


def test_each_sample_gets_three_to_five_lowercase_keywords_about_its_topic() -> None:
    attach_keywords(SAMPLES)
    for c in SAMPLES:
        assert 3 <= len(c.topic_keywords) <= 5
        assert all(k == k.lower() for k in c.topic_keywords)
        assert len(set(c.topic_keywords)) == len(c.topic_keywords)
    assert SAMPLES[0].topic_keywords[:2] == ["reset", "password"]
    assert "invoice" in SAMPLES[2].topic_keywords or "invoices" in SAMPLES[2].topic_keywords
    assert "bank" in SAMPLES[2].topic_keywords
    assert not {"how", "the", "my", "can"} & {k for c in SAMPLES for k in c.topic_keywords}


def test_rare_terms_outrank_terms_every_sample_shares() -> None:
    index = KeywordIndex(["router firmware update", "router password", "router cable"])
    assert index.keywords([("router firmware", 1.0)], k=1) == ["firmware"]


def test_stable_for_the_same_input() -> None:
    a = [conv(c.messages[0].content, c.messages[1].content) for c in SAMPLES]
    b = [conv(c.messages[0].content, c.messages[1].content) for c in SAMPLES]
    attach_keywords(a)
    attach_keywords(b)
    assert [c.topic_keywords for c in a] == [c.topic_keywords for c in b]


def test_system_prompt_does_not_drive_keywords() -> None:
    c = Conversation([Message("system", "You are Acme's helpful assistant for Acme products."),
                      Message("user", "Do lamps ship assembled?"),
                      Message("assistant", "Lamps ship assembled with bulbs included.")])
    attach_keywords([c])
    assert "acme" not in c.topic_keywords
    assert c.topic_keywords[0] == "lamps"


def test_short_text_gets_only_the_terms_it_has() -> None:
    c = conv("Why?", "Because.")
    attach_keywords([c])
    assert c.topic_keywords == []
