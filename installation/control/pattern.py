"""OSC 1.0 address patterns (`*`, `?`, `[...]`, `{a,b}`) as regular expressions.

A pattern is matched against the piece's own addresses, part by part: no wildcard crosses
a `/`. Compiled patterns are cached (a controller sends the same few again and again); a
pattern that is not valid OSC is None, refused like an unknown address.
"""

from __future__ import annotations

import re
from functools import lru_cache

WILDCARDS = frozenset("*?[]{}")


def is_pattern(address: str) -> bool:
    return not WILDCARDS.isdisjoint(address)


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The pattern as an anchored regex, or None when its brackets or braces do not close."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                return None
            out.append(_bracket(pattern[index + 1 : end]))
            index = end
        elif char == "{":
            end = pattern.find("}", index + 1)
            if end < 0:
                return None
            words = pattern[index + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(word) for word in words) + ")")
            index = end
        elif char in "]}":
            return None
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + r"\Z")


def _bracket(body: str) -> str:
    """[abc], [a-z] and [!abc] (OSC's negation); never a '/'."""
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    if not body:
        return "[^/]" if negate else "(?!)"  # [!] is any one letter; [] is none
    parts = []
    for i, char in enumerate(body):
        if char == "-" and 0 < i < len(body) - 1:
            parts.append("-")  # a range between its neighbours
        else:
            parts.append(re.escape(char))
    inner = "".join(parts)
    return f"[^/{inner}]" if negate else f"(?!/)[{inner}]"
