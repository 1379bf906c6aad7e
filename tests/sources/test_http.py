"""The polite HTTP client against a real loopback server: cache, rate limit, User-Agent."""

from __future__ import annotations

import time

from ftbuilder import __version__
from ftbuilder.sources.http import HttpClient, RateLimiter, retry_after, with_params


def test_rerun_against_the_same_server_makes_zero_requests(replay, tmp_path):
    first = HttpClient(tmp_path / "cache", rate=100)
    a = first.get(replay.url + "/forum/latest.json").json()
    b = first.post_json(replay.url + "/backend/latest-44-nixos-unstable/_search",
                        {"from": 0, "size": 5, "query": {"bool": {"filter": [
                            {"term": {"type": {"value": "package"}}}]}}}).json()
    assert len(replay.log) == 2
    second = HttpClient(tmp_path / "cache", rate=100)
    # the server said Cache-Control: no-cache; a re-run still asks nothing
    assert second.get(replay.url + "/forum/latest.json").json() == a
    assert second.post_json(replay.url + "/backend/latest-44-nixos-unstable/_search",
                            {"from": 0, "size": 5, "query": {"bool": {"filter": [
                                {"term": {"type": {"value": "package"}}}]}}}).json() == b
    assert len(replay.log) == 2
    assert second.requests == 0 and second.cache_hits == 2


def test_refresh_fetches_again(replay, tmp_path):
    HttpClient(tmp_path / "c", rate=100).get(replay.url + "/forum/latest.json")
    again = HttpClient(tmp_path / "c", rate=100, refresh=True)
    again.get(replay.url + "/forum/latest.json")
    assert len(replay.log) == 2 and again.requests == 1


def test_different_params_are_different_cache_entries(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=100)
    p0 = c.get(replay.url + "/forum/latest.json").json()
    p1 = c.get(replay.url + "/forum/latest.json", {"page": 1}).json()
    assert p0 != p1 and len(replay.log) == 2


def test_rate_never_exceeds_the_limit_in_any_one_second_window(replay, tmp_path):
    c = HttpClient(None, rate=3)
    for i in range(10):
        c.get(replay.url + "/forum/t/1.json", {"n": i})  # no cache: all go on the wire
    times = [t for t, _, _ in replay.log]
    assert len(times) == 10
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u - t < 1.0]
        assert len(in_window) <= 3, f"{len(in_window)} requests within 1 s from #{i}"
    assert times[-1] - times[0] >= 3.0  # 10 requests at 3/s need more than 3 s


def test_fractional_rate_spaces_requests(replay):
    c = HttpClient(None, rate=2.5)  # at most 2 in any second
    for i in range(5):
        c.get(replay.url + "/forum/t/1.json", {"n": i})
    times = [t for t, _, _ in replay.log]
    assert all(len([u for u in times[i:] if u - t < 1.0]) <= 2 for i, t in enumerate(times))
    assert RateLimiter(0.5).window > 2.0


def test_user_agent_names_ftb_and_its_version(replay):
    HttpClient(None, rate=100).get(replay.url + "/robots.txt")
    assert replay.agents[0].startswith(f"ftb/{__version__} ")


def test_retry_after_forms():
    assert retry_after("3") == 3.0
    assert retry_after(None) is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert with_params("http://x/a?b=1", {"c": [1, 2]}) == "http://x/a?b=1&c=1&c=2"


def test_cached_answers_are_fast(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=100)
    for i in range(20):
        c.get(replay.url + "/forum/t/1.json", {"n": i})
    c2 = HttpClient(tmp_path / "c", rate=1)  # a slow rate does not slow cache hits
    start = time.monotonic()
    for i in range(20):
        c2.get(replay.url + "/forum/t/1.json", {"n": i})
    assert time.monotonic() - start < 1.0 and c2.requests == 0
