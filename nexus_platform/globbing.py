"""Path globs as the configuration files mean them: `*` and `?` stay inside one folder,
`**` crosses folders (`**/` also matches no folder at all)."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(pattern: str, path: str) -> bool:
    """Whether a posix path (relative, no leading slash needed) matches the glob."""
    return bool(glob_regex(pattern.strip("/")).match(path.strip("/")))
