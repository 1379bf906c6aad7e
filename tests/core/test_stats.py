"""One definition of the token distribution for validate, stats and the faces."""

import numpy as np
import pytest

from ftbuilder.core.stats import distribution, percentile


@pytest.mark.parametrize("q", [0, 5, 37.5, 50, 95, 100])
def test_percentile_matches_numpy(q):
    values = sorted([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 89, 96, 7])
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_distribution_keys_and_values():
    d = distribution([10, 20, 30, 40])
    assert d == {"min": 10, "max": 40, "mean": 25.0, "median": 25.0, "p5": 11.5, "p95": 38.5}
    assert distribution([]) is None


def test_stats_and_validate_agree_on_p95():
    from ftbuilder.core.types import Conversation, Message
    from ftbuilder.formats.stats import DatasetStats
    from ftbuilder.targets.limits import distribution as validate_distribution

    tokens = list(range(1, 101))
    st = DatasetStats()
    for t in tokens:
        st.add(Conversation([Message("user", "q"), Message("assistant", "a")], token_count=t))
    ours = st.to_dict()["tokens"]
    theirs = validate_distribution(np.array(tokens))
    assert theirs is not None
    assert (ours["p5"], ours["p95"], ours["median"]) == (theirs["p5"], theirs["p95"],
                                                         theirs["median"])
