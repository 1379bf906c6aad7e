"""PII and secrets: find them in text and replace them with typed placeholders.

Detectors, in the order they claim a span (an earlier one wins an overlap):

* ``PRIVATE_KEY``: a whole ``-----BEGIN ... PRIVATE KEY-----`` block up to its END line;
* ``API_KEY``: the secret patterns maintained by ``detect-secrets`` (AWS access and secret
  keys, GitHub, GitLab, Slack, Stripe, SendGrid, Twilio, Mailchimp, npm, PyPI, Discord,
  JWT, legacy OpenAI keys), plus the key formats it lacks: OpenAI project/service keys
  (``sk-proj-``, ``sk-svcacct-``, ``sk-admin-``, ``sk-`` + 40 or more characters),
  Anthropic (``sk-ant-``), Google (``AIza`` + 35);
* ``EMAIL``: ``name@domain.tld`` (not ``git@host:owner/repo`` remotes);
* ``IBAN``: two letters, two check digits and 11-30 letters or digits (spaces allowed
  every four), accepted only when the ISO 7064 mod-97 checksum holds;
* ``CARD``: 13-19 digits (spaces or dashes between groups) starting 2-6, accepted only
  when the Luhn checksum holds;
* ``PHONE``: ``phonenumbers`` (Google's libphonenumber) with its VALID leniency, numbers
  written with a country code or in the ``region``'s national format.

Version numbers, dates, hashes and UUIDs match none of them (tests/quality/test_scrub.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDERS = ("PRIVATE_KEY", "API_KEY", "EMAIL", "IBAN", "CARD", "PHONE")
_DS_PLUGINS = ("aws.AWSKeyDetector", "github_token.GitHubTokenDetector",
               "gitlab_token.GitLabTokenDetector", "slack.SlackDetector",
               "stripe.StripeDetector", "sendgrid.SendGridDetector", "twilio.TwilioKeyDetector",
               "mailchimp.MailchimpDetector", "npm.NpmDetector", "pypi_token.PypiTokenDetector",
               "discord.DiscordBotTokenDetector", "jwt.JwtTokenDetector",
               "openai.OpenAIDetector")
PRIVATE_KEY_RE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----.*?"
                            r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S)
EXTRA_KEYS = (
    re.compile(r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bsk-[A-Za-z0-9]{40,}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                      r"\.[A-Za-z]{2,24}\b(?!:[\w~/])")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
CARD_RE = re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])")


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int
    value: str


def iban_ok(value: str) -> bool:
    s = value.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def luhn_ok(value: str) -> bool:
    digits = [int(d) for d in value if d.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@lru_cache(maxsize=1)
def _secret_patterns() -> tuple[re.Pattern[str], ...]:
    import importlib

    out: list[re.Pattern[str]] = []
    for spec in _DS_PLUGINS:
        module, cls = spec.split(".")
        try:
            plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), cls)
        except (ImportError, AttributeError):  # a plugin dropped by a later release
            continue
        out.extend(plugin.denylist)
    return tuple(out)


@lru_cache(maxsize=1)
def _any_secret() -> re.Pattern[str]:
    """Every secret pattern in one alternation: one scan tells whether any may match."""
    parts = [f"(?{'i' if p.flags & re.I else ''}:{p.pattern})"
             for p in (*_secret_patterns(), *EXTRA_KEYS)]
    return re.compile("|".join(parts))


def _secrets(text: str) -> Iterator[Finding]:
    if not _any_secret().search(text):
        return
    for pat in (*_secret_patterns(), *EXTRA_KEYS):
        for m in pat.finditer(text):
            g = 1 if m.groups() and m.group(1) and len(m.group(1)) >= 16 else 0
            if m.end(g) - m.start(g) >= 16:
                yield Finding("API_KEY", m.start(g), m.end(g), m.group(g))


_PHONE_HINT = re.compile(r"\d(?:[\s().\-/]{0,3}\d){5,}")  # 6+ digits, phone-like separators


def _phones(text: str, region: str) -> Iterator[Finding]:
    if not _PHONE_HINT.search(text):  # the matcher is slow; most text has no such run
        return
    import phonenumbers

    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        yield Finding("PHONE", m.start, m.end, m.raw_string)


def find(text: str, region: str = "US") -> list[Finding]:
    """Non-overlapping findings in ``text``, in text order."""
    found: list[Finding] = [Finding("PRIVATE_KEY", m.start(), m.end(), m.group(0))
                            for m in PRIVATE_KEY_RE.finditer(text)]
    found += _secrets(text)
    found += [Finding("EMAIL", m.start(), m.end(), m.group(0)) for m in EMAIL_RE.finditer(text)]
    found += [Finding("IBAN", m.start(), m.end(), m.group(0)) for m in IBAN_RE.finditer(text)
              if iban_ok(m.group(0))]
    found += [Finding("CARD", m.start(), m.end(), m.group(0)) for m in CARD_RE.finditer(text)
              if luhn_ok(m.group(0))]
    found += _phones(text, region)
    kept: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for f in found:  # detector order = priority
        if any(f.start < e and s < f.end for s, e in taken):
            continue
        kept.append(f)
        taken.append((f.start, f.end))
    return sorted(kept, key=lambda f: f.start)


def scrub_text(text: str, region: str = "US") -> tuple[str, Counter[str]]:
    """``text`` with every finding replaced by ``[KIND]``, and the counts by kind."""
    found = find(text, region)
    if not found:
        return text, Counter()
    out, last = [], 0
    for f in found:
        out += [text[last:f.start], f"[{f.kind}]"]
        last = f.end
    out.append(text[last:])
    return "".join(out), Counter(f.kind for f in found)
