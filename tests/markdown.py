"""The project's Markdown documents and their fenced code blocks, for the tests that run them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


def documents() -> list[Path]:
    """Every Markdown file whose examples the tests run: README, SECURITY, CONTRIBUTING, docs/."""
    return [README, ROOT / "SECURITY.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def name(doc: Path) -> str:
    return doc.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Block:
    doc: Path
    lang: str
    line: int  # of the opening fence, 1-based
    text: str


_FENCE = re.compile(r"^( *)```([\w-]*)\s*$")


def blocks(doc: Path) -> list[Block]:
    """The fenced blocks of a document, in order; a block indented in a list loses its indent."""
    found: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, lang = opening.groups()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        if j == len(lines):
            raise AssertionError(f"{name(doc)}:{i + 1}: a code block that is never closed")
        found.append(Block(doc, lang, i + 1, "".join(line + "\n" for line in body)))
        i = j + 1
    return found


def prose(doc: Path) -> str:
    """The document without its code blocks and inline code, where links and headings are."""
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^ *```.*?^ *```\s*$", "", text)
    return re.sub(r"(`+).*?\1", "", text)


def anchors(doc: Path) -> set[str]:
    """The `#anchor`s GitHub makes of the document's headings."""
    made: set[str] = set()
    for heading in re.findall(r"(?m)^#+ +(.+?) *#*$", prose_keeping_code_spans(doc)):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in made:
            n += 1
            candidate = f"{slug}-{n}"
        made.add(candidate)
    return made


def prose_keeping_code_spans(doc: Path) -> str:
    text = doc.read_text(encoding="utf-8")
    return re.sub(r"(?ms)^ *```.*?^ *```\s*$", "", text)
