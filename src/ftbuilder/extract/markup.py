"""Read the structure of the markup languages FAQs are written in, as Markdown-like lines.

Identify mode's detector (:mod:`ftbuilder.extract.patterns`) reads headings as ``#`` lines.
This pass rewrites, line for line (the line count never changes, so locations stay true),
what other markups use for the same structure:

* reStructuredText and setext titles (a line underlined, optionally overlined, with
  ``= - ~ ^ " ' * + # :``): ``#`` x the level, levels in order of first use as reST does;
* AsciiDoc section titles (``== Title``) and attribute lines (``:name: value``);
* HTML in Markdown: ``<h3 id="x">Title</h3>`` becomes ``### Title``, ``<summary>`` a
  heading one level below every other (``<details>`` FAQs), tag-only lines (``<details>``,
  ``<p>``, ``</div>``...) blank lines, HTML comments blank lines;
* Markdown extras: ``{#id}`` / ``{: .class}`` heading attributes dropped, a kramdown
  ``{:toc}`` table of contents dropped, YAML front matter (``---`` ... ``---`` at the start)
  blank lines.

Only markup goes; the words of the document stay as written.
"""

from __future__ import annotations

import re

_ADORN_RE = re.compile(r"^([=\-~^\"'*+#:._])\1{2,}\s*$")
_ADORN_START = frozenset("=-~^\"'*+#:._")
_SPECIAL = frozenset("<=:{[`~#")  # first characters of the lines this pass rewrites
_ATX_RE = re.compile(r"^\s{0,3}#{1,6}\s")
_ADOC_TITLE_RE = re.compile(r"^(={1,6})\s+(\S.*?)\s*$")
_ADOC_ATTR_RE = re.compile(r"^:[\w!][\w-]*!?:(\s.*)?$")
_HTML_HEAD_RE = re.compile(r"^\s*<h([1-6])\b[^>]*>(.*?)(?:</h\1>)?\s*$", re.IGNORECASE | re.DOTALL)
_HTML_HEAD_END_RE = re.compile(r"^\s*(.*?)</h([1-6])>\s*$", re.IGNORECASE)
_SUMMARY_RE = re.compile(
    r"^\s*(?:<details[^>]*>\s*)?<summary[^>]*>(.*?)</summary>\s*(?:</details>)?\s*$", re.IGNORECASE)
_TAG_ONLY_RE = re.compile(r"^\s*(</?[a-zA-Z][\w-]*(\s[^<>]*)?/?>\s*)+$")
_TAG_RE = re.compile(r"<[^>]+>")
_ATTR_TAIL_RE = re.compile(r"\s*\{[#:][^}]*\}\s*$")
_TOC_RE = re.compile(r"^\s*\{:\s*\.?toc\s*\}\s*$|^\s*\[\[?_?TOC_?\]\]?\s*$", re.IGNORECASE)
SUMMARY_LEVEL = 6


def _strip_tags(s: str) -> str:
    return " ".join(_TAG_RE.sub("", s).split())


def _front_matter(lines: list[str]) -> int:
    """Number of leading lines that are YAML front matter (0 if none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i in range(1, min(len(lines), 60)):
        if lines[i].strip() in ("---", "..."):
            return i + 1
    return 0


def _comments(lines: list[str]) -> list[str]:
    out, inside = [], False
    for ln in lines:
        if inside:
            if "-->" in ln:
                inside = False
                rest = ln.split("-->", 1)[1]
                out.append(rest if rest.strip() else "")
            else:
                out.append("")
            continue
        if "<!--" in ln:
            head, _, tail = ln.partition("<!--")
            if "-->" in tail:
                ln = head + tail.split("-->", 1)[1]
            else:
                inside = True
                ln = head
            out.append(ln if ln.strip() else "")
            continue
        out.append(ln)
    return out


def _is_title_line(s: str) -> bool:
    t = s.strip()
    return (bool(t) and not _ADORN_RE.match(t) and not t.startswith(("..", "- ", "* ", "|"))
            and len(t) <= 200 and not s[:1].isspace())


def _underlined(out: list[str]) -> None:
    """reST/setext section titles -> ``#`` lines, in place on ``out``."""
    styles: list[tuple[str, bool]] = []
    n = len(out)
    i = 0
    fence = ""
    while i < n:
        s = out[i]
        st = s.strip()
        if fence:  # inside a fenced code block: nothing there is a title
            fence = "" if st.startswith(fence) else fence
            i += 1
            continue
        if st.startswith(("```", "~~~")) and (i == 0 or not out[i - 1].strip()
                                              or st.startswith("```")):
            fence = st[:3]  # an opening fence (a "~~~" under a title is an underline)
            i += 1
            continue
        over = _ADORN_RE.match(s.strip()) if s.strip() else None
        # overline + title + underline
        if (over and i + 2 < n and _is_title_line(out[i + 1].strip())
                and out[i + 2].strip() == s.strip()):
            style = (over.group(1), True)
            level = _level(styles, style)
            out[i], out[i + 1], out[i + 2] = "", "#" * level + " " + out[i + 1].strip(), ""
            i += 3
            continue
        if (i + 1 < n and _is_title_line(s) and not _ATX_RE.match(s)
                and (m := _ADORN_RE.match(out[i + 1].strip()))
                and len(out[i + 1].strip()) >= min(len(s.strip()), 3)
                and (i == 0 or not out[i - 1].strip())):
            level = _level(styles, (m.group(1), False))
            out[i], out[i + 1] = "#" * level + " " + s.strip(), ""
            i += 2
            continue
        i += 1


def _level(styles: list[tuple[str, bool]], style: tuple[str, bool]) -> int:
    if style not in styles:
        styles.append(style)
    return min(styles.index(style) + 1, 6)


def normalise(lines: list[str]) -> list[str]:
    """``lines`` with the structure of reST, AsciiDoc, HTML-in-Markdown and Markdown extras
    written as Markdown (see the module rules); same number of lines."""
    out = list(lines)
    skip = _front_matter(out)
    for k in range(skip):
        out[k] = ""
    if any("<!--" in ln for ln in out):
        out = _comments(out)
    in_fence = False
    adorned = False
    i = 0
    n = len(out)
    while i < n:
        s = out[i]
        c = s[:1]
        if c in _ADORN_START:
            adorned = True
        if c not in _SPECIAL and not (c in " \t" and s.lstrip()[:1] in _SPECIAL):
            i += 1  # most lines are prose: nothing to rewrite
            continue
        st = s.strip()
        if st.startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence or not st:
            i += 1
            continue
        if st.startswith("<"):
            if m := _SUMMARY_RE.match(s):
                out[i] = "#" * SUMMARY_LEVEL + " " + _strip_tags(m.group(1))
            elif (m := _HTML_HEAD_RE.match(s)) and m.group(0).lower().rstrip().endswith(
                    f"</h{m.group(1)}>"):
                out[i] = "#" * int(m.group(1)) + " " + _strip_tags(m.group(2))
            elif (m := re.match(r"^\s*<h([1-6])\b[^>]*>\s*$", s, re.IGNORECASE)) and i + 1 < len(
                    out) and (e := _HTML_HEAD_END_RE.match(out[i + 1])):
                out[i], out[i + 1] = "", "#" * int(m.group(1)) + " " + _strip_tags(e.group(1))
                i += 1
            elif _TAG_ONLY_RE.match(s):
                out[i] = ""
        elif st[0] == "=" and (m := _ADOC_TITLE_RE.match(s)):
            out[i] = "#" * len(m.group(1)) + " " + m.group(2)
        elif st[0] == ":" and _ADOC_ATTR_RE.match(st) and i and (
                not out[i - 1].strip() or out[i - 1].startswith("#")
                or _ADOC_ATTR_RE.match(out[i - 1].strip())):
            out[i] = ""
        elif st[0] in "{[" and _TOC_RE.match(st):
            out[i] = ""
            if i and out[i - 1].lstrip().startswith(("* ", "- ", "1. ")):
                out[i - 1] = ""  # "* Table of Contents" above a kramdown {:toc}
        if out[i].startswith("#") and "{" in out[i]:
            out[i] = _ATTR_TAIL_RE.sub("", out[i])
        i += 1
    if adorned and any(ln[:1] in _ADORN_START and _ADORN_RE.match(ln.strip()) for ln in out):
        _underlined(out)
    return out
