"""TUI speed: time from launch to the first screen, and the review table over 100,000 samples.

1. Launch: a fresh ``python`` process opens the store and shows Home (headless: the same work
   as in a terminal minus the terminal writes); wall time from spawn to the first screen ready.
   Baseline: an empty Textual app launched the same way (the floor we cannot go under).
   Target: under 1.5 s.
2. Review at 100,000 samples: filter time (ids only), then frame times while scrolling by
   page, jumping to random rows (like dragging the scrollbar) and to both ends. A frame is the
   compositor refresh that follows the step (headless, so no terminal write is counted); its
   render time is how long the UI is blocked. Step-to-frame also includes Textual's frame
   pacing (at most 60 frames a second, so up to ~17 ms of waiting per frame).
   Target: no stall (no frame blocks the UI for 50 ms or more). Baseline: Textual's DataTable
   holding the same 100,000 rows, which must load every row before the first frame.
3. Switching screens with the 100,000-sample dataset open (every screen, 5 rounds) and opening
   that dataset in Review again from another screen (10 times): time from the key to the
   screen drawn. Target: p95 under 0.3 s for both (issue 13).
4. Frames while a build runs: an identify build over 300 files in Generate, every frame of the
   screen timed while the worker runs. Target: no frame over 50 ms (issue 13).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

N = 100_000
LAUNCH_RUNS = 5
STALL_MS = 50.0
TARGET_LAUNCH = 1.5

LAUNCH_CHILD = textwrap.dedent("""
    import sys, time
    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import create_app
    root = sys.argv[1]
    from pathlib import Path
    ctx = open_context(root + "/config.yaml", root + "/store.db", root=Path(root), environ={})
    async def ready(pilot):
        await pilot.pause()
        assert type(pilot.app.screen).__name__ == "HomeScreen"
        print(time.time(), flush=True)
        pilot.app.exit()
    create_app(ctx).run(headless=True, size=(120, 40), auto_pilot=ready)
""")

BARE_CHILD = textwrap.dedent("""
    import time
    from textual.app import App
    from textual.widgets import Footer, Static
    class Bare(App):
        def compose(self):
            yield Static("hello")
            yield Footer()
    async def ready(pilot):
        await pilot.pause()
        print(time.time(), flush=True)
        pilot.app.exit()
    Bare().run(headless=True, size=(120, 40), auto_pilot=ready)
""")


def _launch(code: str, *args: str) -> float:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    return float(out[-1]) - t0


def _project(root: Path, samples: int) -> None:
    from ftbuilder.core.types import Conversation, Message
    from ftbuilder.store.db import Store

    (root / "config.yaml").write_text("provider: openai\nmodel: gpt-4o-mini-2024-07-18\n"
                                      "output_name: big\n")
    (root / "input_files").mkdir(exist_ok=True)
    rng = random.Random(7)
    words = ["account", "billing", "invoice", "password", "reset", "plan", "upgrade", "refund",
             "order", "login"]
    with Store(root / "store.db") as store:
        ds = store.create_dataset("big", "openai", "gpt-4o-mini-2024-07-18", "identify")
        batch = []
        for i in range(samples):
            q = " ".join(rng.choice(words) for _ in range(12))
            a = " ".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
            batch.append(Conversation([Message("user", f"{i}: {q}?"), Message("assistant", a)],
                                      source_file=f"input_files/doc{i % 40}.pdf",
                                      location=f"page {i % 300}", topic_keywords=[q.split()[0]],
                                      token_count=len(q.split()) + len(a.split()) + 10))
            if len(batch) == 10_000:
                store.add_samples(ds.id, batch)
                batch = []
        store.add_samples(ds.id, batch)


async def _scroll(root: Path) -> dict[str, object]:
    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import create_app
    from ftbuilder.tui.jobs import JOB_GROUP
    from ftbuilder.tui.widgets.vtable import VirtualTable

    ctx = open_context(root / "config.yaml", root / "store.db", root=root, environ={})
    app = create_app(ctx)
    frames: list[tuple[float, float]] = []  # (end time, render duration) of each frame
    figures: dict[str, object] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        await pilot.press("5")
        while any(w.group == JOB_GROUP and not w.is_finished for w in app.workers) or \
                not app.screen.query_one(VirtualTable).keys:
            await asyncio.sleep(0.001)
        figures["open_review_s"] = time.perf_counter() - t0
        screen = app.screen
        table = screen.query_one(VirtualTable)
        assert len(table.keys) == N, len(table.keys)
        original = screen._compositor_refresh

        def timed_refresh() -> None:  # measure each real frame of the review screen
            start = time.perf_counter()
            original()
            end = time.perf_counter()
            frames.append((end, end - start))

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        await pilot.pause()
        rng = random.Random(1)
        steps: list[Callable[[], None]] = []
        steps += [lambda: table.action_page(1)] * 300
        steps += [lambda: table.action_jump(-1), lambda: table.action_jump(0)] * 5
        steps += [lambda: table.move_to(rng.randrange(N))] * 200
        steps += [lambda: table.scroll_to(y=rng.randrange(N), animate=False)] * 200
        latencies = []
        for step in steps:
            before = len(frames)
            start = time.perf_counter()
            step()
            while len(frames) == before:
                await asyncio.sleep(0)
            latencies.append(frames[before][0] - start)
        screen._compositor_refresh = original  # type: ignore[method-assign]
        figures["latencies_ms"] = [x * 1000 for x in latencies]
        figures["render_ms"] = [d * 1000 for _, d in frames]
        figures["pages_fetched"] = table.fetches
        figures["steps"] = len(steps)
    ctx.close()
    return figures


async def _datatable_baseline(root: Path) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from ftbuilder.services import browse
    from ftbuilder.services.context import open_context

    ctx = open_context(root / "config.yaml", root / "store.db", root=root, environ={})

    class Plain(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = Plain()
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        ids = browse.sample_ids(ctx, "big")
        rows = browse.rows_for_ids(ctx, ids)
        table = app.query_one(DataTable)
        table.add_columns("id", "split", "tokens", "msgs", "source", "keywords", "first message")
        table.add_rows((r.id, r.split, r.tokens, r.messages, r.source, ",".join(r.keywords),
                        r.preview) for r in rows)
        await pilot.pause()
        elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


SWITCH_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "question_mark"]
TARGET_SWITCH = 0.3


async def _drawn(pilot, screen_before, jobs: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Wait until the new screen is shown and drawn (and, with ``jobs``, until the data its
    background jobs load is on it too)."""
    from ftbuilder.tui.jobs import JOB_GROUP

    app = pilot.app
    while app.screen is screen_before or (jobs and any(
            w.group == JOB_GROUP and not w.is_finished for w in app.workers)):
        await asyncio.sleep(0.001)
    await pilot.pause()


async def _switching(root: Path) -> dict[str, list[float]]:
    """Key to the first frame of the new screen (switch), to that screen with its background
    data in (loaded), and Review reopened with its 100,000 ids loaded (reopen)."""
    from textual.screen import Screen

    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import create_app

    shown: list[tuple[Screen, float]] = []  # (screen, end of frame) of every frame drawn
    original = Screen._compositor_refresh

    def timed_refresh(self: Screen) -> None:
        original(self)
        shown.append((self, time.perf_counter()))

    async def first_frame(before: Screen) -> float:
        while not any(s is not before for s, _ in shown):
            await asyncio.sleep(0.001)
        return next(t for s, t in shown if s is not before)

    ctx = open_context(root / "config.yaml", root / "store.db", root=root, environ={})
    app = create_app(ctx)
    switch, loaded, reopen = [], [], []
    Screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for key in SWITCH_KEYS[1:]:  # first visits build each screen once (not measured)
                before = app.screen
                await pilot.press(key)
                await _drawn(pilot, before, jobs=True)
            for _ in range(5):
                for key in SWITCH_KEYS:
                    before = app.screen
                    shown.clear()
                    t0 = time.perf_counter()
                    await pilot.press(key)
                    switch.append(await first_frame(before) - t0)
                    await _drawn(pilot, before, jobs=True)  # Split's plan, Validate's reads
                    loaded.append(time.perf_counter() - t0)
            for _ in range(10):
                before = app.screen
                await pilot.press("1")
                await _drawn(pilot, before, jobs=True)
                before = app.screen
                t0 = time.perf_counter()
                await pilot.press("5")  # Review reloads the 100,000 ids
                await _drawn(pilot, before, jobs=True)
                reopen.append(time.perf_counter() - t0)
    finally:
        Screen._compositor_refresh = original  # type: ignore[method-assign]
    ctx.close()
    return {"switch": switch, "loaded": loaded, "reopen": reopen}


async def _build_frames(root: Path) -> dict[str, object]:
    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import create_app
    from ftbuilder.tui.jobs import JOB_GROUP

    inputs = root / "input_files"
    inputs.mkdir(exist_ok=True)
    for i in range(300):
        (inputs / f"faq{i}.txt").write_text("\n".join(
            f"Q: How do I change setting {i}-{j}?\nA: Open the settings page {j} and follow "
            f"the steps for item {i}; it takes a minute.\n" for j in range(40)))
    ctx = open_context(root / "config.yaml", root / "store.db", root=root, environ={})
    ctx.settings.config.output_name = "built"
    app = create_app(ctx)
    frames: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        screen = app.screen
        original = screen._compositor_refresh

        def timed_refresh() -> None:
            start = time.perf_counter()
            original()
            frames.append(time.perf_counter() - start)

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        t0 = time.perf_counter()
        await pilot.press("g")
        await pilot.pause()
        while any(w.group == JOB_GROUP and not w.is_finished for w in app.workers):
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - t0
        await pilot.pause()
        screen._compositor_refresh = original  # type: ignore[method-assign]
        added = ctx.store.get_dataset("built").total_samples
    ctx.close()
    return {"frames_ms": [f * 1000 for f in frames], "seconds": elapsed, "samples": added}


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1)))]


def run(out: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root, 200)
        ours = sorted(_launch(LAUNCH_CHILD, str(root)) for _ in range(LAUNCH_RUNS))
        bare = sorted(_launch(BARE_CHILD) for _ in range(LAUNCH_RUNS))
        med, bmed = statistics.median(ours), statistics.median(bare)
        out(f"launch to first screen (Home, {LAUNCH_RUNS} runs): median {med:.2f} s, "
            f"worst {ours[-1]:.2f} s")
        out(f"  baseline empty Textual app: median {bmed:.2f} s -> ours is {med / bmed:.2f}x "
            f"the floor (+{med - bmed:.2f} s)")
        out(f"  target < {TARGET_LAUNCH} s: {'MET' if ours[-1] < TARGET_LAUNCH else 'NOT MET'}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        _project(root, N)
        out(f"review table: store of {N:,} samples built in {time.perf_counter() - t0:.1f} s")
        figures = asyncio.run(_scroll(root))
        lat, ren = figures["latencies_ms"], figures["render_ms"]
        assert isinstance(lat, list) and isinstance(ren, list)
        out(f"  open Review (filter {N:,} ids + first page): "
            f"{figures['open_review_s']:.2f} s")
        out(f"  {figures['steps']} scroll steps (300 page-downs, 10 end/home, 200 random rows, "
            f"200 scrollbar jumps); {figures['pages_fetched']} pages of 100 rows fetched")
        out(f"  frame render ms: p50 {_pct(ren, .5):.1f}  p95 {_pct(ren, .95):.1f}  "
            f"max {max(ren):.1f}")
        out(f"  step-to-frame ms: p50 {_pct(lat, .5):.1f}  p95 {_pct(lat, .95):.1f}  "
            f"p99 {_pct(lat, .99):.1f}  max {max(lat):.1f}")
        stalls = sum(1 for x in ren if x >= STALL_MS)
        base = asyncio.run(_datatable_baseline(root))
        out(f"  baseline DataTable with all {N:,} rows: {base:.2f} s before the first frame "
            f"-> virtual table first screen {base / figures['open_review_s']:.1f}x faster")
        out(f"  target no stall (every frame renders in < {STALL_MS:.0f} ms): "
            f"{'MET' if stalls == 0 else f'NOT MET ({stalls} stalls)'}")

        times = asyncio.run(_switching(root))
        sw, ld, ro = times["switch"], times["loaded"], times["reopen"]
        out(f"switching screens with {N:,} samples open ({len(sw)} switches, key to the "
            f"new screen's first frame): p50 {_pct(sw, .5) * 1000:.0f} ms  "
            f"p95 {_pct(sw, .95) * 1000:.0f} ms  "
            f"max {max(sw) * 1000:.0f} ms")
        out(f"  until its background data is in too (Split's plan, Validate's histogram): "
            f"p50 {_pct(ld, .5) * 1000:.0f} ms  p95 {_pct(ld, .95) * 1000:.0f} ms (not a target)")
        out(f"  opening the {N:,}-sample dataset in Review ({len(ro)} times): "
            f"p50 {_pct(ro, .5) * 1000:.0f} ms  p95 {_pct(ro, .95) * 1000:.0f} ms")
        met = _pct(sw, .95) < TARGET_SWITCH and _pct(ro, .95) < TARGET_SWITCH
        out(f"  target p95 < {TARGET_SWITCH} s: {'MET' if met else 'NOT MET'}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _project(root, 10)
        build = asyncio.run(_build_frames(root))
        fr = build["frames_ms"]
        assert isinstance(fr, list)
        over = sum(1 for x in fr if x > STALL_MS)
        out(f"frames while an identify build runs (300 files, {build['samples']:,} samples, "
            f"{build['seconds']:.1f} s): {len(fr)} frames, p50 {_pct(fr, .5):.1f} ms  "
            f"p95 {_pct(fr, .95):.1f} ms  max {max(fr):.1f} ms")
        out(f"  target no frame over {STALL_MS:.0f} ms: "
            f"{'MET' if over == 0 else f'NOT MET ({over} frames)'}")


if __name__ == "__main__":
    run(print)
