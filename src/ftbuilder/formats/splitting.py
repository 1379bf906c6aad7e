"""The train/validation/test split algorithm. Pure: no store, no I/O; deterministic by seed.

``random``: all samples shuffled with the seed, then cut at the shares.
``weighted`` (stratified): the split sizes are fixed first for the whole dataset (validation
and test rounded half-up, train takes the rest, every split asked for gets at least one
sample when there are enough), then the samples are laid out group after group (groups in a
seeded order, each group shuffled) and dealt out with the largest-remainder rule: sample i
goes to the split whose share of the first i samples is furthest behind its quota. The
overall counts are exactly the sizes (24 samples at 0.8 give 19 train / 5 validation, however
small the groups), and each group's own counts are within one sample of its shares.
A group is one value of the stratification key (source file, first keyword...) or a
combination of several. A sample is never cut.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.errors import UsageError

STRATEGIES = ("random", "weighted")
SPLIT_NAMES = ("train", "validation", "test")
NO_GROUP = "(none)"


@dataclass(slots=True)
class GroupSplit:
    """Counts of one group per split, and a note when it cannot be on every side."""

    group: str
    total: int = 0
    train: int = 0
    validation: int = 0
    test: int = 0
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "total": self.total, "train": self.train,
                "validation": self.validation, "test": self.test, "note": self.note}


@dataclass(slots=True)
class Plan:
    """Where each sample goes: ``assignments`` of (sample_id, split), counts, group table."""

    assignments: list[tuple[int, str]]
    counts: dict[str, int]
    groups: list[GroupSplit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_shares(ratio: float, test: float = 0.0) -> tuple[float, float, float]:
    """(train, validation, test) shares; UsageError unless 0<ratio<1, 0<=test<1-ratio."""
    if not 0 < ratio < 1:
        raise UsageError(f"the training ratio must be between 0 and 1, got {ratio}",
                         "e.g. 0.8 for 80% training, 20% validation")
    if not 0 <= test < 1 - ratio - 1e-9:
        raise UsageError(f"the test share {test} leaves no validation share next to "
                         f"ratio {ratio}", f"use a test share below {1 - ratio:.2f}, "
                         "e.g. --ratio 0.9 --test 0.05")
    return ratio, 1 - ratio - test, test


def _half_up(x: float) -> int:
    return math.floor(x + 0.5 + 1e-9)


def sizes(n: int, ratio: float, test: float = 0.0) -> tuple[int, int, int]:
    """(train, validation, test) counts for ``n`` samples, each side non-empty when possible."""
    _, val_share, _ = check_shares(ratio, test)
    counts = [0, _half_up(n * val_share), _half_up(n * test)]
    counts[0] = n - counts[1] - counts[2]
    minimum = [1 if n >= 1 else 0, 1 if n >= 2 else 0, 1 if n >= 3 and test > 0 else 0]
    for i in (0, 1, 2):
        while counts[i] < minimum[i]:
            donor = max((0, 1, 2), key=lambda j: (counts[j] - minimum[j], -j))
            counts[donor] -= 1
            counts[i] += 1
    return counts[0], counts[1], counts[2]


def _cut(ids: list[int], n_train: int, n_val: int) -> list[tuple[int, str]]:
    return ([(i, "train") for i in ids[:n_train]]
            + [(i, "validation") for i in ids[n_train:n_train + n_val]]
            + [(i, "test") for i in ids[n_train + n_val:]])


def plan(items: Iterable[tuple[int, str | None]], ratio: float, test: float = 0.0,
         strategy: str = "random", seed: int = 42) -> Plan:
    """Assign each ``(sample_id, group)`` to a split.

    Raises:
        UsageError: bad shares or an unknown strategy.
    """
    check_shares(ratio, test)
    if strategy not in STRATEGIES:
        raise UsageError(f"unknown split strategy '{strategy}'", "use random or weighted")
    by_group: dict[str, list[int]] = defaultdict(list)
    for sample_id, group in items:
        by_group[group or NO_GROUP].append(sample_id)
    for ids in by_group.values():
        ids.sort()
    assignments: list[tuple[int, str]] = []
    if strategy == "random":
        ids = sorted(i for group_ids in by_group.values() for i in group_ids)
        random.Random(seed).shuffle(ids)
        n_train, n_val, _ = sizes(len(ids), ratio, test)
        assignments = _cut(ids, n_train, n_val)
    else:
        assignments = _stratified(by_group, sizes(sum(map(len, by_group.values())), ratio,
                                                  test), seed)
    return _summarise(assignments, by_group, test, strategy)


def _stratified(by_group: dict[str, list[int]], targets: tuple[int, int, int],
                seed: int) -> list[tuple[int, str]]:
    """Deal the samples, group after group, to the split furthest behind its quota."""
    names = sorted(by_group)
    random.Random(seed).shuffle(names)
    sequence: list[int] = []
    for name in names:
        ids = list(by_group[name])
        random.Random(f"{seed}:{name}").shuffle(ids)
        sequence += ids
    n = len(sequence)
    shares = [t / n if n else 0.0 for t in targets]
    given = [0, 0, 0]
    out = []
    for i, sample_id in enumerate(sequence, 1):
        j = max((k for k in range(3) if given[k] < targets[k]),
                key=lambda k: (shares[k] * i - given[k], -k))
        given[j] += 1
        out.append((sample_id, SPLIT_NAMES[j]))
    return out


def _summarise(assignments: list[tuple[int, str]], by_group: dict[str, list[int]],
               test: float, strategy: str) -> Plan:
    group_of = {i: name for name, ids in by_group.items() for i in ids}
    table = {name: GroupSplit(name, len(ids)) for name, ids in by_group.items()}
    for sample_id, split in assignments:
        g = table[group_of[sample_id]]
        setattr(g, split, getattr(g, split) + 1)
    warnings = []
    for g in table.values():
        if g.total == 1:
            g.note = f"1 sample: {next(s for s in SPLIT_NAMES if getattr(g, s))} only"
        elif g.train == 0 or g.validation == 0:
            g.note = "not on both sides"
    notes = Counter(g.note for g in table.values() if g.note)
    for note, n in sorted(notes.items()):
        warnings.append(f"{n} group{'s' if n > 1 else ''}: {note}")
    counts = Counter(split for _, split in assignments)
    groups = sorted(table.values(), key=lambda g: (-g.total, g.group))
    return Plan(assignments, {s: counts.get(s, 0) for s in ("train", "validation", "test")},
                groups, warnings)
