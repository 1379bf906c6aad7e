"""HTML (a forum post's cooked HTML, a page fragment) to Markdown, code blocks kept verbatim.

Small and strict on purpose: paragraphs, line breaks, headings, lists, quotes, links,
emphasis, inline code and ``<pre><code class="lang-nix">`` blocks (fenced with their
language). Scripts, styles, images without alt text and Discourse's lightbox/meta chrome
are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "section", "article", "table", "tr", "details", "summary", "aside"}
_SKIP = {"script", "style", "noscript", "svg", "head", "template"}
_SKIP_CLASS = ("meta", "lightbox-wrapper-meta", "informations", "onebox-metadata")


class _Md(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int | str]] = []  # [kind, counter]
        self.quote = 0
        self.href: list[str | None] = []
        self.skip_stack: list[str] = []

    # --- helpers ---------------------------------------------------------------------------
    def nl(self, n: int = 2) -> None:
        text = "".join(self.out)
        have = len(text) - len(text.rstrip("\n"))
        if text and have < n:
            self.out.append("\n" * (n - have))
            if self.quote:
                self.out.append("> " * self.quote)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = a.get("class") or ""
        if self.skip or tag in _SKIP or any(c in cls.split() for c in _SKIP_CLASS):
            if tag not in ("br", "img", "hr", "meta", "link", "input"):
                self.skip += 1
                self.skip_stack.append(tag)
            return
        if tag == "pre":
            self.pre += 1
            self.nl()
            lang = ""
            self.out.append("```")
            self._pre_lang = lang
            self._pre_start = len(self.out)
        elif tag == "code" and self.pre:
            m = re.search(r"(?:lang|language)-([\w+-]+)", cls)
            if m and self.out and self.out[-1] == "```":
                self.out[-1] = f"```{m.group(1)}"
            self.out.append("\n")
        elif tag == "code":
            self.out.append("`")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif re.fullmatch(r"h[1-6]", tag):
            self.nl()
            self.out.append("#" * int(tag[1]) + " ")
        elif tag in ("ul", "ol"):
            self.nl(1)
            self.lists.append([tag, 0])
        elif tag == "li":
            self.nl(1)
            depth = max(0, len(self.lists) - 1)
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] = int(self.lists[-1][1]) + 1
                self.out.append("  " * depth + f"{self.lists[-1][1]}. ")
            else:
                self.out.append("  " * depth + "- ")
        elif tag == "blockquote":
            self.quote += 1
            self.nl()
        elif tag == "br":
            self.out.append("\n" + "> " * self.quote)
        elif tag == "hr":
            self.nl()
            self.out.append("---")
            self.nl()
        elif tag == "a":
            self.href.append(a.get("href"))
            self.out.append("[")
        elif tag == "img":
            alt = (a.get("alt") or "").strip()
            if alt:
                self.out.append(alt)
        elif tag in _BLOCK or tag in ("td", "th"):
            if tag in ("td", "th"):
                self.out.append(" | ")
            else:
                self.nl()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if self.skip_stack and self.skip_stack[-1] == tag:
                self.skip_stack.pop()
                self.skip -= 1
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
            if not "".join(self.out).endswith("\n"):
                self.out.append("\n")
            self.out.append("```")
            self.nl()
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif re.fullmatch(r"h[1-6]", tag):
            self.nl()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.nl()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.nl()
        elif tag == "a":
            href = self.href.pop() if self.href else None
            # the link text is everything since the matching "["
            for i in range(len(self.out) - 1, -1, -1):
                if self.out[i] == "[":
                    text = "".join(self.out[i + 1:]).strip()
                    del self.out[i:]
                    if href and text and href != text and not href.startswith("#"):
                        self.out.append(f"[{text}]({href})")
                    else:
                        self.out.append(text)
                    break
        elif tag in _BLOCK:
            self.nl()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.out.append(data)
            return
        self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> str:
    """Markdown of ``html``; blank-line runs collapsed, code blocks as they were."""
    p = _Md()
    p.feed(html or "")
    p.close()
    text = "".join(p.out)
    lines = [ln.rstrip() for ln in text.split("\n")]
    out: list[str] = []
    fence = False
    for ln in lines:
        if ln.lstrip().startswith("```"):
            fence = not fence
            out.append(ln.strip())
            continue
        if not fence:
            ln = ln.strip(" ") if not re.match(r"\s*([-*]|\d+\.) ", ln) else ln.rstrip()
        if not ln and out and not out[-1] and not fence:
            continue
        out.append(ln)
    return "\n".join(out).strip()


def strip_tags(html: str) -> str:
    """Plain text of a short HTML fragment (an option description)."""
    return html_to_markdown(html)
