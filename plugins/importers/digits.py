"""Figures that arrived run together (``一、本年新收政府信息公开申请数量21710000218``): the
splits of the digits into the printed columns that satisfy the format's identities.

A scraper or a PDF copy often drops the blanks between table cells. Where a row carries an
identity (the 总计 column is the sum of the others; table 四 has three such groups of five),
usually only one split satisfies it; where it carries none (table 二, the old 本年度/历年累计
pairs), several do, and the caller must say so rather than pick one (domain §2.8).

Numbers have no leading zeros (except ``0`` itself) and at most :data:`MAX_DIGITS` digits.
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["splits", "MAX_DIGITS", "MAX_SOLUTIONS"]

MAX_DIGITS = 9
MAX_SOLUTIONS = 50  # enough to say "more than one"; the search stops there


def splits(tokens: Sequence[str], count: int, sums: Sequence[tuple[int, Sequence[int]]] = ()) -> list[tuple[int, ...]]:
    """Every way to cut the digit strings ``tokens`` (blanks between tokens are real cell
    boundaries) into ``count`` integers such that for each ``(i, parts)`` in ``sums`` the
    ``i``-th number equals the sum of the numbers at ``parts`` (all indexes < ``i``).
    At most :data:`MAX_SOLUTIONS` are returned."""
    digits = "".join(tokens)
    if not digits.isdigit():
        return []
    cuts: set[int] = set()
    pos = 0
    for t in tokens[:-1]:
        pos += len(t)
        cuts.add(pos)
    bounds = sorted(cuts | {len(digits)})
    identity = {i: tuple(parts) for i, parts in sums}
    out: list[tuple[int, ...]] = []

    def walk(i: int, chosen: list[int]) -> None:
        if len(out) >= MAX_SOLUTIONS:
            return
        k = len(chosen)
        if k == count or i >= len(digits):
            if k == count and i == len(digits):
                out.append(tuple(chosen))
            return
        end = next(b for b in bounds if b > i)  # a number does not run across a cell boundary
        if count - k > len(digits) - i:
            return  # every remaining number needs a digit
        if k in identity:  # a 总计: the number is known, it only has to be there
            want = str(sum(chosen[j] for j in identity[k]))
            if digits.startswith(want, i) and i + len(want) <= end:
                chosen.append(int(want))
                walk(i + len(want), chosen)
                chosen.pop()
            return
        for length in range(1, min(MAX_DIGITS, end - i) + 1):
            if length > 1 and digits[i] == "0":
                break
            chosen.append(int(digits[i:i + length]))
            walk(i + length, chosen)
            chosen.pop()

    walk(0, [])
    # the blank between two tokens is a cell boundary: a split must cut there
    valid = []
    for sol in out:
        pos, ends = 0, set()
        for n in sol:
            pos += len(str(n))
            ends.add(pos)
        if cuts <= ends:
            valid.append(sol)
    return valid
