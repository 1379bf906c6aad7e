"""Network faults against a real loopback server that misbehaves on purpose: 429 with
Retry-After, 500s, malformed JSON, a refused connection, a name that does not resolve, a
robots.txt that forbids part of the site, a cancel during a wait."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ftbuilder.core.errors import Cancelled
from ftbuilder.core.progress import CancelToken
from ftbuilder.sources import discourse, web
from ftbuilder.sources.http import FetchError, HttpClient


@pytest.mark.fault
def test_429_with_retry_after_is_waited_for_then_retried(replay, tmp_path):
    replay.faults["/forum/latest.json"] = [(429, {"Retry-After": "1"}, "slow down")]
    c = HttpClient(tmp_path / "c", rate=100, backoff=0.01)
    data = c.get(replay.url + "/forum/latest.json").json()
    assert data["topic_list"]["topics"]
    (t0, _, _), (t1, _, _) = replay.log
    assert t1 - t0 >= 0.95  # the server's Retry-After honoured, not the 10 ms backoff


@pytest.mark.fault
def test_retry_after_beyond_the_longest_wait_is_a_clear_error(replay, tmp_path):
    replay.faults["/forum/latest.json"] = [(503, {"Retry-After": "3600"}, "")]
    c = HttpClient(tmp_path / "c", rate=100, max_wait=5)
    with pytest.raises(FetchError) as e:
        c.get(replay.url + "/forum/latest.json")
    assert "asks to wait 3600 s" in e.value.message and e.value.kind == "too_long"
    assert len(replay.log) == 1


@pytest.mark.fault
def test_a_500_is_retried_and_a_lasting_500_named(replay, tmp_path):
    replay.faults["/forum/t/1.json"] = [(500, {}, "oops")]
    c = HttpClient(tmp_path / "c", rate=100, backoff=0.01)
    assert c.get(replay.url + "/forum/t/1.json").json()["id"] == 1
    replay.faults["/forum/t/2.json"] = [(500, {}, "oops")] * 10
    with pytest.raises(FetchError) as e:
        c.get(replay.url + "/forum/t/2.json")
    assert e.value.status == 500 and "after 5 tries" in e.value.message
    assert sum(p == "/forum/t/2.json" for p in replay.paths()) == 5


@pytest.mark.fault
def test_a_failing_topic_is_reported_and_the_others_kept(replay, tmp_path):
    replay.faults["/forum/t/2.json"] = [(500, {}, "oops")] * 10
    c = HttpClient(tmp_path / "c", rate=200, backoff=0.01, retries=1)
    h = discourse.harvest(c, discourse.DiscourseQuery(replay.url + "/forum", max_topics=6))
    assert h.failed == 1 and "HTTP 500" in h.errors[0]["error"]
    assert len(h.conversations) == 4  # topic 5 has no answer; 1, 3, 4, 6 kept


@pytest.mark.fault
def test_malformed_json_is_an_error_and_is_not_cached(replay, tmp_path):
    replay.faults["/forum/t/3.json"] = [(200, {}, '{"id": 3, "post_stream": {')]
    c = HttpClient(tmp_path / "c", rate=100)
    with pytest.raises(FetchError) as e:
        c.get(replay.url + "/forum/t/3.json").json()
    assert e.value.kind == "bad_json" and "not valid JSON" in e.value.message
    # the next run asks again (and gets the good answer) instead of replaying the bad one
    c2 = HttpClient(tmp_path / "c", rate=100)
    assert c2.get(replay.url + "/forum/t/3.json").json()["id"] == 3
    assert c2.requests == 1


@pytest.mark.fault
def test_robots_txt_forbidden_paths_are_never_requested(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=200)
    h = web.harvest(c, web.CrawlQuery([replay.url + "/site/"], depth=3))
    assert not [p for p in replay.paths() if "/private/" in p]
    assert replay.paths()[0] == "/robots.txt"  # read before any page of the host
    assert h.skipped["robots.txt"] == 2
    assert {d.path.rsplit("/", 1)[-1] for d in h.documents} == {
        "", "guide.html", "faq.html", "advanced.html", "deeper.html"}
    assert not [p for p in replay.paths() if "elsewhere" in p]  # same host by default


@pytest.mark.fault
def test_refused_connection_is_retried_then_one_clear_error(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    c = HttpClient(tmp_path / "c", rate=100, backoff=0.01, retries=2)
    with pytest.raises(FetchError) as e:
        c.get(f"http://127.0.0.1:{port}/latest.json")
    assert e.value.kind == "refused" and "connection refused" in e.value.message
    assert "network" in e.value.hint
    assert c.requests == 3


@pytest.mark.fault
def test_a_name_that_does_not_resolve_fails_fast_as_offline(tmp_path):
    c = HttpClient(tmp_path / "c", rate=100, retries=3)
    start = time.monotonic()
    with pytest.raises(FetchError) as e:
        c.get("http://no-such-host.invalid/latest.json")
    assert e.value.kind == "offline" and "does not resolve" in e.value.message
    assert c.requests == 1 and time.monotonic() - start < 10


@pytest.mark.fault
def test_cancel_during_a_retry_after_wait_stops_at_once(replay, tmp_path):
    replay.faults["/forum/latest.json"] = [(429, {"Retry-After": "30"}, "")]
    token = CancelToken()
    c = HttpClient(tmp_path / "c", rate=100, cancel=token)
    threading.Timer(0.3, token.cancel).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        c.get(replay.url + "/forum/latest.json")
    assert time.monotonic() - start < 2 and len(replay.log) == 1
