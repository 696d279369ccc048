"""The README's code blocks: command examples, the command-line synopsis, the options table."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

# What a command example starts with: the console script, python -m, or the run script.
PROGRAMS = ("installation", "python -m installation", "./run.sh", "./test.sh")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
# `# exits 2` or `(exit 2)` in an example's comment: the exit status it documents.
_EXIT = re.compile(r"#.*?\bexits?\s+(?:code\s+)?(\d+)")
_OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


@dataclass(frozen=True)
class Example:
    """One command of a README code block, as a reader would type it."""

    line: int  # where it starts in README.md
    text: str  # the command, continuation lines joined, without its comment
    expected: int  # the exit status the README gives it (0 unless it says)

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)


@dataclass(frozen=True)
class Block:
    line: int  # the line of the opening fence
    lines: tuple[tuple[int, str], ...]  # (line number, text) of every line inside

    @property
    def is_synopsis(self) -> bool:
        """The usage summary: commands with [optional] parts, not something to run."""
        return any("[-" in text for _, text in self.commands())

    def commands(self) -> list[tuple[int, str]]:
        """Lines that start a command (with their backslash continuations joined)."""
        found: list[tuple[int, str]] = []
        joining = False  # the last line was a command's and ended in a backslash
        for number, text in self.lines:
            if joining:
                found[-1] = (found[-1][0], found[-1][1] + " " + text.strip().rstrip("\\"))
            elif _starts_command(text):
                found.append((number, text.strip().rstrip("\\")))
            else:
                continue
            joining = text.rstrip().endswith("\\")
        return found

    def examples(self) -> list[Example]:
        result = []
        for number, text in self.commands():
            exit_match = _EXIT.search(text)
            command = " ".join(shlex.split(text, comments=True))
            result.append(Example(number, command, int(exit_match[1]) if exit_match else 0))
        return result

    def synopsis(self) -> list[tuple[int, str]]:
        """Each synopsis entry with its indented continuation lines, comments dropped."""
        entries: list[tuple[int, str]] = []
        for number, text in self.lines:
            body = text.split("#", 1)[0].rstrip()
            if _starts_command(text):
                entries.append((number, body.strip()))
            elif body.strip() and entries and text[:1].isspace():
                entries[-1] = (entries[-1][0], entries[-1][1] + " " + body.strip())
        return entries


def _starts_command(text: str) -> bool:
    stripped = text.strip()
    return any(stripped == p or stripped.startswith(p + " ") for p in PROGRAMS)


def blocks(readme: Path = README) -> list[Block]:
    text = readme.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        first = text.count("\n", 0, match.start(2)) + 1
        body = match[2].splitlines()
        found.append(Block(first - 1, tuple(enumerate(body, start=first))))
    return found


def example_blocks(readme: Path = README) -> list[Block]:
    """Code blocks holding at least one command example (the synopsis left out)."""
    return [b for b in blocks(readme) if b.examples() and not b.is_synopsis]


def synopsis_entries(readme: Path = README) -> list[tuple[int, str]]:
    return [entry for b in blocks(readme) if b.is_synopsis for entry in b.synopsis()]


def synopsis_command(entry: str) -> tuple[tuple[str, ...], set[str]]:
    """`installation bench osc [--json] [--seconds S]` -> (("bench", "osc"), {"--json", ...}).

    The command's words are the lower-case ones after `installation`, up to the first
    option, bracket or placeholder (DIR, SOURCE, COMMAND).
    """
    words = entry.split()[1:]
    path: list[str] = []
    for word in words:
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        path.append(word)
    rest = " ".join(words[len(path) :])
    return tuple(path), {o for o in _OPTION.findall(rest)}


def options_table(section: str, readme: Path = README) -> list[tuple[int, str]]:
    """The options in the first column of the table under `## section`: (line, option)."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    first_line = text.count("\n", 0, start) + 2
    found = []
    for offset, line in enumerate(text[start + 1 : end].splitlines()):
        cell = re.match(r"\|\s*(`[^|]*)\|", line)
        if cell:
            for option in _OPTION.findall(cell[1]):
                found.append((first_line + offset, option))
    return found
