"""Reading TOML: one place that picks the parser.

The standard library's ``tomllib`` is a copy of ``tomli``; tomli's own wheels are compiled
with mypyc and read a report ≈2.5× faster (a 22 KB national report: 0.7 ms instead of
1.7 ms), which is most of what ``nianbao aggregate`` spends on a file. Same grammar, same
messages, same error attributes — so where tomli is missing, tomllib does the same job.
"""

from __future__ import annotations

try:
    from tomli import TOMLDecodeError, loads
except ImportError:  # pragma: no cover - tomli is a dependency; tested in a subprocess without it
    from tomllib import TOMLDecodeError, loads  # type: ignore[assignment]  # tomli's very classes, in the standard library

__all__ = ["TOMLDecodeError", "READING_ERRORS", "loads"]

#: Everything a damaged file can make the parser raise: a syntax error (TOMLDecodeError is
#: a ValueError), an integer of thousands of digits (ValueError), arrays or tables nested
#: hundreds deep (RecursionError).
READING_ERRORS = (ValueError, RecursionError)
