"""The content-check runner: one loop over the samples, the rule table, counts by reason.

Each rule is a check function (one module per check in this package). The runner applies
the chosen rules to every sample, counts flagged samples per rule, and records on each
sample its ``meta["flags"]`` (rule names) and ``meta["flag_reasons"]`` (rule -> reason).
A rule that now passes clears its old flag. What happens to flagged samples (kept flagged,
or removed) is the caller's choice (services/curate.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.errors import UsageError
from ftbuilder.core.types import Conversation
from ftbuilder.quality.filters import (
    filerefs,
    grounding,
    language,
    length,
    markdown,
    mermaid,
    pii,
    prompt_examples,
    repetition,
    truncated,
)
from ftbuilder.quality.filters.base import FilterOptions, SampleView

Check = Callable[[SampleView, FilterOptions], "str | None"]
RULES: dict[str, Check] = {
    "grounding": grounding.check,
    "length": length.check,
    "truncated": truncated.check,
    "repetition": repetition.check,
    "language": language.check,
    "markdown": markdown.check,
    "mermaid": mermaid.check,
    "file-refs": filerefs.check,
    "pii": pii.check,
    "prompt-example": prompt_examples.check,
}
FLAGS, REASONS = "flags", "flag_reasons"
MAX_EXAMPLES = 20


def check_rules(names: Iterable[str] | None) -> list[str]:
    """The rule names asked for (all when None), in table order.

    Raises:
        UsageError: an unknown rule name.
    """
    if names is None:
        return list(RULES)
    wanted = [n.strip() for n in names if n.strip()]
    bad = [n for n in wanted if n not in RULES]
    if bad:
        raise UsageError(f"unknown rule{'s' if len(bad) > 1 else ''}: {', '.join(bad)}",
                         "rules: " + ", ".join(RULES))
    return [n for n in RULES if n in wanted]


@dataclass
class FilterOutcome:
    """Counts of one pass: samples checked, flagged by rule, and a few examples."""

    checked: int = 0
    flagged: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)


def findings(conv: Conversation, rules: list[str], opts: FilterOptions) -> dict[str, str]:
    """Rule -> reason for each of ``rules`` that ``conv`` fails; ``conv`` is not changed
    (a pure function: an engine may run it anywhere, services/engine.py)."""
    view = SampleView(conv)
    found = {}
    for name in rules:
        why = RULES[name](view, opts)
        if why:
            found[name] = why
    return found


def apply(conv: Conversation, rules: list[str], opts: FilterOptions,
          found: dict[str, str] | None = None) -> dict[str, str]:
    """Run ``rules`` on ``conv`` (or take their ``found`` findings, computed elsewhere);
    update its flags in place; return rule -> reason."""
    if found is None:
        found = findings(conv, rules, opts)
    flags = [f for f in conv.meta.get(FLAGS) or [] if f not in rules]
    reasons = {k: v for k, v in (conv.meta.get(REASONS) or {}).items() if k not in rules}
    flags += list(found)
    reasons.update(found)
    if flags:
        conv.meta[FLAGS] = flags
    else:
        conv.meta.pop(FLAGS, None)
    if reasons:
        conv.meta[REASONS] = reasons
    else:
        conv.meta.pop(REASONS, None)
    return found


def run(convs: Iterable[Conversation], rules: list[str], opts: FilterOptions,
        outcome: FilterOutcome | None = None,
        found_all: Sequence[dict[str, str]] | None = None
        ) -> tuple[FilterOutcome, list[Conversation]]:
    """Check every conversation; returns the outcome and the flagged conversations.

    ``found_all``: the :func:`findings` of each conversation, in order, when an engine
    computed them already (the flags and counts are then set here exactly as without)."""
    out = outcome or FilterOutcome()
    flagged = []
    for i, conv in enumerate(convs):
        found = apply(conv, rules, opts, None if found_all is None else found_all[i])
        out.checked += 1
        if found:
            out.flagged += 1
            flagged.append(conv)
            out.by_rule.update(found.keys())
            for rule, why in found.items():
                if len(out.examples) < MAX_EXAMPLES:
                    out.examples.append({"id": conv.id, "rule": rule, "reason": why})
    return out, flagged
