"""Help: what each screen does and the keys, readable without any other docs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from ftbuilder.tui.screens.base import FtbScreen

HELP = """\
# ftbuilder: build a fine-tuning dataset

Go through the tabs left to right; each one needs only the ones before it.

| key | screen | what you do there |
|---|---|---|
| 1 | Home | datasets (enter opens, c copies, x or del deletes after a backup), runs |
| 2 | Configure | target and model (limits shown), mode, size, prompt, split; ctrl+s saves |
| 3 | Files | pick files (p or enter, a = all, x unpicks); ctrl+r reads them; s = Sources |
| 4 | Generate | g runs the mode over the picked files; esc cancels (work kept); r resumes |
| 5 | Review | every sample; filter by source, keyword, split, tokens, flags; enter, e, x |
| 6 | Validate | v checks against the target's rules; enter opens a violation's sample; d/t fix |
| 7 | Split | train/validation/test shares and strategy, previewed live; ctrl+s applies |
| 8 | Export | formats, folder, CSV and stats; ctrl+e writes the files and checks them |
| 9 | Settings | config.yaml, prompts, and which API keys are set (masked) |

**Free mode, the loop:** in Configure, ctrl+e edits the instruction
(prompts/free_mode/prompt.txt) in place, ctrl+s saves it, ctrl+t previews 5 samples from the
agent (nothing is saved), 4 then g runs it, ctrl+o compares the last runs and the preview
(samples, share on topic, flags, cost); 8 then ctrl+e exports.

**Editors:** Tab moves to the next field; f2 makes Tab indent (and back); esc leaves the
editor. In Settings, Left/Right switch the tabs.

**Everywhere:** `ctrl+p` command palette (every screen and action: type e.g. prompt) ·
`?` or `f1` this help · `tab` next field ·
`esc` leaves a text field (then the number keys work) or cancels a run ·
`q` or `ctrl+q` quits · the mouse works too (click tabs, rows, buttons).

**No API key?** Everything works with the embedded local model: identify needs no model at
all; create, hybrid and free run on it when `system.agentic_llm` is `llama`.

Colours: green = fine, yellow = warning, red = error. Long work runs in the background; the
screen stays responsive and every run can be cancelled.
"""


class HelpScreen(FtbScreen):
    MODE = "help"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
