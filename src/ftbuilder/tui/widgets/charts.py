"""Text charts: histograms as block-character rows (comparable across series) and bar lists."""

from __future__ import annotations

from collections.abc import Sequence

from ftbuilder.tui.widgets.cells import escape

BLOCKS = " ▁▂▃▄▅▆▇█"
SERIES_TONES = ["$success", "$accent", "$warning", "$secondary"]


def spark(counts: Sequence[int], top: int) -> str:
    """One row of block characters scaled to ``top``."""
    if top <= 0:
        return " " * len(counts)
    return "".join(BLOCKS[0 if c == 0 else max(1, round(c / top * 8))] for c in counts)


def histogram_rows(series: dict[str, list[int]], bins: int = 24, label_width: int = 11) -> str:
    """Markup: one sparkline per series over shared bins, with n and the token range."""
    from ftbuilder.services.browse import histogram

    every = [v for vals in series.values() for v in vals]
    if not every:
        return "[$text-muted]no token counts yet[/]"
    every.sort()
    lo, hi = every[0], every[-1]
    p99 = every[int(0.99 * (len(every) - 1))]
    clipped = len(every) >= 20 and hi > 2 * p99  # a few outliers would flatten everything
    if clipped:
        hi = p99
    hists = {name: histogram(vals, bins, lo, hi)[0] for name, vals in series.items()}
    lines = []
    for i, (name, counts) in enumerate(hists.items()):
        top = max(counts) or 1
        vals = series[name]
        tone = SERIES_TONES[i % len(SERIES_TONES)]
        lines.append(f"{escape(name or 'not split'):<{label_width}} [{tone}]{spark(counts, top)}[/]"
                     f"  n={len(vals):,}")
    right = f"{hi:,}+" if clipped else f"{hi:,}"
    left = f"{lo:,}"
    middle = "tokens".center(max(0, bins - len(left) - len(right)))
    lines.append(f"{'':<{label_width}} {left}{middle}{right}")
    return "\n".join(lines)


def bar_rows(items: Sequence[tuple[str, int]], width: int = 30, label_width: int = 24,
             limit: int = 12) -> str:
    """Markup: horizontal bars, largest first (``limit`` rows, then '+N more')."""
    if not items:
        return "[$text-muted]nothing to show[/]"
    top = max(n for _, n in items) or 1
    lines = []
    for label, n in list(items)[:limit]:
        label = label if len(label) <= label_width else "…" + label[-(label_width - 1):]
        bar = "█" * max(1 if n else 0, round(n / top * width))
        lines.append(f"{escape(label):<{label_width}} [$accent]{bar}[/] {n:,}")
    if len(items) > limit:
        lines.append(f"[$text-muted]+{len(items) - limit} more[/]")
    return "\n".join(lines)
