"""Rules every piece of prose obeys, whatever section or plugin it belongs to: arithmetic a
sentence states (V-PROSE-SUM), a catch-all share (V-OTHER-SHARE) and proofreading a machine
can do (V-TYPO). :func:`prose_problems` runs them on every ``Text`` field (and every text
column of a ``Records``) of every section; sections need not call them.

Every finding is a warning that names the figures or the characters and their place
(第N字, counted in the field's text as typed)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

from ..fields import field_path
from ..results import Issue
from ..rules import OTHER_SHARE

__all__ = ["prose_problems", "sentence_sums", "typos", "term_slips", "texts_of", "FIXED_TERMS"]

_CJK_FIRST, _CJK_LAST = "\u4e00", "\u9fff"
_CJK = f"{_CJK_FIRST}-{_CJK_LAST}"


def _is_cjk(ch: str) -> bool:
    """``ch`` is one character of the class ``[_CJK]``."""
    return len(ch) == 1 and _CJK_FIRST <= ch <= _CJK_LAST


_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
_UNITS = "条件篇个次项份场期人家起"
_FIGURE = re.compile(r"(" + _NUMBER + r")([" + _UNITS + r"])")
_SENTENCE = re.compile(r"[^。；;！!？?\n]+")
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")
_SHARE = re.compile(r"(?:占[^\d，,。；;]{0,8}?|（|\()(\d+(?:\.\d+)?)%")
# A clause that starts another statement ends the list of parts (“…，办结33件”).
_NEW_STATEMENT = re.compile(r"办结|答复|结转|共|累计|总计|合计|全年|同比|较上年|比上年|增长|下降|其中|包括|涵盖|分别")
# What opens the list of parts of the total before it: 其中, and as real reports also write
# it, 包括(：), (内容)涵盖, 分别为 (“共计99条，包括：工作动态33条，…其他类信息21条”).
_OPENER = re.compile(r"其中|包括|涵盖|分别为|分别是")
_CATCH_ALL = re.compile(r"其他|其它|其余")
# The catch-all a writer made (“其他类信息”), not a category of the format (其他结果, 其他处理).
_CATCH_ALL_CLASS = re.compile(r"(?:其他|其它|其余)[^，,、]{0,6}?类")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def texts_of(fields: Iterable[Any], values: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """``(field address, text)`` of every ``Text`` field and every text column of a
    ``Records`` in ``values`` (a section's loaded values)."""
    for f in fields:
        value = values.get(f.key)
        if f.kind == "text" and isinstance(value, str) and value:
            yield f.key, value
        elif f.kind == "records" and isinstance(value, list):
            cols = [c.key for c in f.columns if c.kind == "text"]
            for i, row in enumerate(value):
                for k in cols:
                    if isinstance(row, Mapping) and isinstance(row.get(k), str) and row[k]:
                        yield field_path(f.key, i, k), row[k]


def _share_ok(part: int, total: int, quoted: str) -> tuple[bool, str]:
    places = len(quoted.split(".")[1]) if "." in quoted else 0
    exact = Decimal(part) * 100 / Decimal(total)
    shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # Rounded either way at the last place shown: both are honest roundings.
    ok = abs(exact - Decimal(quoted)) < Decimal(1).scaleb(-places)
    return ok, f"{shown}%"


def sentence_sums(section_id: str, field: str, text: str) -> list[Issue]:
    """V-PROSE-SUM and V-OTHER-SHARE on “总数N条，其中A a条，B b条…” sentences: the parts
    must not add up to more than the total (nor to less when the list ends in a catch-all
    “其他…”, which makes it complete); a share quoted after a part (“占X%”, “（X%）”) is that
    part over the total; a catch-all part over 40 % of the total is a warning."""
    out: list[Issue] = []
    if not _OPENER.search(text):
        return out
    for sm in _SENTENCE.finditer(text):
        sentence = sm.group(0)
        for om in _OPENER.finditer(sentence):
            out += _list_sum(section_id, field, sentence, om.start(), om.end())
    return out


def _clauses(text: str) -> list[str]:
    """The clauses of a list, split at ，and 、; words joined by 、 before the figure they
    share are one part (“教育、科技、医疗等民生事业11983条”)."""
    pieces = re.split(r"([，,、])", text)
    out: list[str] = []
    joined = ""
    for i in range(0, len(pieces), 2):
        piece = joined + pieces[i]
        sep = pieces[i + 1] if i + 1 < len(pieces) else ""
        if sep == "、" and not _FIGURE.search(piece) and piece.strip():
            joined = piece + sep
            continue
        joined = ""
        out.append(piece)
    if joined:
        out.append(joined)
    return out


def _list_sum(section_id: str, field: str, sentence: str, at: int, after: int) -> list[Issue]:
    """The findings on the list of parts opened at ``sentence[at:after]`` (其中, 包括…) of the
    total stated last before it."""
    out: list[Issue] = []
    before = list(_FIGURE.finditer(_BRACKETED.sub(lambda m: "　" * len(m.group(0)), sentence[:at])))
    if not before:
        return out
    total, unit = _int(before[-1].group(1)), before[-1].group(2)
    if not total:
        return out
    parts: list[tuple[str, int, str | None]] = []  # (label, figure, share quoted)
    counted_apart = 0  # parts counted in another unit (“征集调查16期” among 条)
    for clause in _clauses(sentence[after:]):
        plain = _BRACKETED.sub("", clause)
        figures = [m for m in _FIGURE.finditer(plain) if m.group(2) == unit]
        others = [m for m in _FIGURE.finditer(plain) if m.group(2) != unit]
        if parts and not figures and len(others) == 1 and not _NEW_STATEMENT.search(plain):
            counted_apart += _int(others[0].group(1))
            continue
        if parts and (_NEW_STATEMENT.search(plain) or len(figures) != 1):
            break
        if len(figures) != 1:
            if parts or figures:
                break
            continue
        figure_at = clause.find(figures[0].group(0))  # the share is quoted after the figure
        share = _SHARE.search(clause, max(figure_at, 0))
        parts.append((plain[:figures[0].start()], _int(figures[0].group(1)), share.group(1) if share else None))
    if not parts:
        return out
    where = f"（“{sentence[:at].strip()[-12:]}{sentence[at:after]}…”）"
    added = sum(n for _, n, _ in parts)
    complete = any(_CATCH_ALL.search(label) for label, _, _ in parts)
    short = complete and added < total and added + counted_apart != total
    if len(parts) >= 2 and (added > total or short):
        shown = "＋".join(str(n) for _, n, _ in parts)
        out.append(Issue("warning", section_id, field,
                         f"正文写总数{total}{unit}，所列各项{shown}＝{added}{unit}，与总数{total}{unit}不符{where}",
                         "V-PROSE-SUM"))
    for label, n, quoted in parts:
        if quoted is not None:
            ok, right = _share_ok(n, total, quoted)
            if not ok:
                out.append(Issue("warning", section_id, field,
                                 f"正文写{n}{unit}占{quoted}%，但{n}÷{total}＝{right}{where}", "V-PROSE-SUM"))
        if _CATCH_ALL_CLASS.search(label) and total >= 10 and n > OTHER_SHARE * total:
            out.append(Issue("warning", section_id, field,
                             f"“{label.strip()[-10:]}”{n}{unit}占总数{total}{unit}的{n * 100 // total}%（超过"
                             f"{OTHER_SHARE:.0%}）：兜底类别过大，说明不了什么，请细分", "V-OTHER-SHARE"))
    return out


# -- V-TYPO ----------------------------------------------------------------------------------
_PAIRS = (("《", "》"), ("（", "）"), ("“", "”"), ("【", "】"))
# A list number closed by a parenthesis only (“1）”, “一）”) opens nothing.
_LIST_NUMBER = re.compile(r"(?:^|(?<=[。；;：:\n\s]))[0-9一二三四五六七八九十]{1,2}[)）]")
_DOUBLED = re.compile(r"([，。、；：！？《》“”【】])\1")
# A word of 2–4 characters typed twice (资金资金): a slip in a report. Single characters
# double by grammar (紧紧, 办事事项), and “一个一个”, “一项一项” count one by one.
_DOUBLED_WORD = re.compile(r"([" + _CJK + r"]{2,4}?)\1")
_HALF_WIDTH = re.compile(r"[,;:()]")
_BLANK_BETWEEN = re.compile(r"(?<=[" + _CJK + r"])[ \u3000]+(?=[" + _CJK + r"])")
_FULL_WIDTH_IN = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a@＠.．:：/／_\-－]{5,}")
_FULL_WIDTH_CHARS = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a＠．／－]")
# An e-mail, a web address, or a phone number (an area code 0…, or a mobile 1…, 10 digits
# or more): not a year range such as 2024－2027.
_ADDRESS_LIKE = re.compile(r"[@＠]|www|ｗｗｗ|http|ｈｔｔｐ|\.(?:gov|cn|com)|．"
                           r"|^[0０1１](?:[\d\uff10-\uff19][\-－]?){9,}$", re.I)
_URL_OR_MAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+", re.I)

#: Fixed terms of the formats, checked for a one-character slip (a homophone typed by the
#: IME: 依申清公开, 行政复义). ``(term, characters that may legitimately stand in one place)``.
FIXED_TERMS = (
    ("政府信息公开", "公示布告务"),  # 政务信息公开 is a term of its own (桂花坪街道 2020)
    ("依申请公开", ""),
    ("信息处理费", ""),
    ("规范性文件", ""),
    ("回应社会关切", ""),
    ("行政复议", "核查争"),  # 行政复核, 行政复查, 化解行政争议
    ("行政诉讼", ""),
)
# Shorter terms (主动公开, 政务公开, 政策解读…) are left out: one character off, they are
# too often other words (政策公开, 政府公开, 政务网开设), as the corpus showed.


def _place(text: str, index: int) -> str:
    """“第N字（…context…）”: where in the field the characters are."""
    left, right = text[max(0, index - 6):index], text[index:index + 6]
    return f"第{index + 1}字（…{left}{right}…）".replace("\n", " ")


def _how_many(text: str, places: list[int]) -> str:
    """Where: “第N字（…）” for one place, “共M处，第一处在第N字（…）” for more."""
    if len(places) == 1:
        return _place(text, places[0])
    return f"共{len(places)}处，第一处在{_place(text, places[0])}"


def typos(section_id: str, field: str, text: str) -> list[Issue]:
    """V-TYPO: proofreading a machine can do, each finding naming the characters and their
    place: unbalanced 《》（）“”【】, doubled punctuation, a word typed twice, half-width , ; : ( ) next to
    Chinese, full-width letters/digits/＠ in an e-mail, web address or phone number, blanks
    between Chinese characters, and a fixed term of the format one character off.

    Each paragraph's findings are kept by its text (:func:`_paragraph_typos`; none of the
    patterns crosses a line break, and brackets a paragraph leaves open or unmatched are
    paired across paragraphs here): checked again after a keystroke, a 1 MB field costs the
    paragraph typed into, not the whole text."""
    out: list[Issue] = []

    def warn(message: str) -> None:
        out.append(Issue("warning", section_id, field, message, "V-TYPO"))

    paragraphs = _paragraphs(text)
    for n, (left, right) in enumerate(_PAIRS):
        first_unmatched = None
        opened: list[int] = []
        for at, found in paragraphs:
            # what the paragraph leaves unmatched (its closing marks come before its open ones)
            closing, opening = found.brackets[n]
            for i in closing:
                if opened:
                    opened.pop()
                elif first_unmatched is None:
                    first_unmatched = at + i
            opened += [at + i for i in opening]
        if first_unmatched is not None:
            warn(f"多了一个“{right}”（没有对应的“{left}”）：{_place(text, first_unmatched)}")
        if opened:
            warn(f"“{left}”没有对应的“{right}”：{_place(text, opened[0])}")
    for at, found in paragraphs:
        for i, doubled in found.doubled:
            warn(f"标点重复“{doubled}”：{_place(text, at + i)}")
    doubled_seen = set()
    for at, found in paragraphs:
        for i, word, doubled in found.doubled_words:
            if word not in doubled_seen:  # each word once
                doubled_seen.add(word)
                warn(f"词语重复“{doubled}”：{_place(text, at + i)}")
    # A text pasted from a web page may have a half-width comma in every sentence: one
    # finding per mark and field, naming the first place and how many there are (建瓯 2018's
    # page: 223 warnings before, one a comma).
    marks: dict[str, list[int]] = {}
    for at, found in paragraphs:
        for i, mark in found.half_width:
            marks.setdefault(mark, []).append(at + i)
    for mark, places in marks.items():
        warn(f"中文里用了半角“{mark}”，应为全角“{mark.translate(_TO_FULL)}”：{_how_many(text, places)}")
    blanks = [at + i for at, found in paragraphs for i in found.blanks]
    if blanks:
        warn(f"汉字之间有多余的空格：{_how_many(text, blanks)}")
    for at, found in paragraphs:
        for i, run, chars in found.full_width:
            out.append(Issue("warning", section_id, field,
                             f"“{run}”中有全角字符“{chars}”，应为半角：{_place(text, at + i)}", "V-TYPO"))
    out += _slips(section_id, field, text, paragraphs)
    return out


_PAIR_CHARS = tuple(re.compile(f"[{re.escape(left)}{re.escape(right)}]") for left, right in _PAIRS)


class _Found(NamedTuple):
    """What :func:`typos` finds within one paragraph, each with its place in the paragraph."""

    brackets: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # for each of _PAIRS: (closing unmatched, opening left open)
    doubled: tuple[tuple[int, str], ...]
    doubled_words: tuple[tuple[int, str, str], ...]  # (place, the word, the word twice)
    half_width: tuple[tuple[int, str], ...]
    blanks: tuple[int, ...]
    full_width: tuple[tuple[int, str, str], ...]  # (place of the first, the run, its characters)
    slips: tuple[tuple[tuple[int, str], ...], ...]  # for each of _SLIPS: (place, the window)


def _paragraphs(text: str) -> list[tuple[int, _Found]]:
    """(where it starts in ``text``, its findings) of each paragraph of ``text`` that has any."""
    out, at = [], 0
    for line in text.split("\n"):
        found = _paragraph_typos(line)
        if found is not _NOTHING:
            out.append((at, found))
        at += len(line) + 1
    return out


_NOTHING = _Found(tuple(((), ()) for _ in _PAIRS), (), (), (), (), (), tuple(() for _ in FIXED_TERMS))


@lru_cache(maxsize=16384)
def _paragraph_typos(text: str) -> _Found:
    """The findings of :func:`typos` within one paragraph (``text`` has no line break), kept
    by its text: after a keystroke only the paragraph typed into is read again."""
    addresses = [(m.start(), m.end()) for m in _URL_OR_MAIL.finditer(text)]

    def in_address(i: int) -> bool:
        return any(a <= i < b for a, b in addresses)

    doubled_words = []
    for m in _DOUBLED_WORD.finditer(text):
        word = m.group(1)
        # 一项一项 counts one by one; a run of one character (啊啊啊啊) is no word
        if not (word.startswith("一") or len(set(word)) == 1):
            doubled_words.append((m.start(), word, m.group(0)))
    half_width = []
    for m in _HALF_WIDTH.finditer(text):
        i = m.start()
        if in_address(i):
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if _is_cjk(before) or _is_cjk(after):
            half_width.append((i, m.group(0)))
    full_width = []
    for m in _FULL_WIDTH_IN.finditer(text):
        run = m.group(0)
        bad = _FULL_WIDTH_CHARS.findall(run) if _ADDRESS_LIKE.search(run) else []
        if bad:
            full_width.append((m.start() + run.find(bad[0]), run, "".join(dict.fromkeys(bad))))
    counted = _LIST_NUMBER.sub(lambda m: m.group(0)[:-1] + " ", text)  # a list number “1）” opens nothing
    brackets = []
    for (left, _), chars in zip(_PAIRS, _PAIR_CHARS):
        closing: list[int] = []
        opening: list[int] = []
        for m in chars.finditer(counted):
            if m.group(0) == left:
                opening.append(m.start())
            elif opening:
                opening.pop()
            else:
                closing.append(m.start())
        brackets.append((tuple(closing), tuple(opening)))
    found = _Found(
        tuple(brackets),
        tuple((m.start(), m.group(0)) for m in _DOUBLED.finditer(text)),
        tuple(doubled_words),
        tuple(half_width),
        tuple(m.start() for m in _BLANK_BETWEEN.finditer(text)),
        tuple(full_width),
        tuple(tuple((m.start(), m.group(1)) for m in pattern.finditer(text)) for _, _, pattern in _SLIPS),
    )
    return _NOTHING if found == _NOTHING else found  # (most paragraphs: passed over by _paragraphs)


_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})


def full_width_in_addresses(section_id: str, field: str, text: str, whole: bool = False) -> list[Issue]:
    """V-TYPO: full-width letters, digits, ＠ or ． in an e-mail, a web address or a phone
    number (``whole``: the value is one such address, e.g. the 电话 field)."""
    out = []
    runs = [(0, text)] if whole else [(m.start(), m.group(0)) for m in _FULL_WIDTH_IN.finditer(text)]
    for start, run in runs:
        if not (whole or _ADDRESS_LIKE.search(run)):
            continue
        bad = _FULL_WIDTH_CHARS.findall(run)
        if bad:
            chars = "".join(dict.fromkeys(bad))
            out.append(Issue("warning", section_id, field,
                             f"“{run}”中有全角字符“{chars}”，应为半角：{_place(text, start + run.find(bad[0]))}", "V-TYPO"))
    return out


def _slip_pattern(term: str) -> re.Pattern:
    # One alternative per place: the term with the character there replaced by any other
    # (a lookahead finds overlapping ones); _slips keeps those where it is a Chinese
    # character not among the term's ``allowed``. (“.”, not the class of Chinese characters:
    # each such class costs ~0.5 ms to compile, and these patterns are compiled at every
    # start of check, export and the editor; a window differs from the term in one place,
    # so one alternative matches it whichever it is.)
    alts = [re.escape(term[:j]) + "." + re.escape(term[j + 1:]) for j in range(len(term))]
    return re.compile("(?=(" + "|".join(alts) + "))")


_SLIPS = tuple((term, allowed, _slip_pattern(term)) for term, allowed in FIXED_TERMS)


def term_slips(section_id: str, field: str, text: str) -> list[Issue]:
    """V-TYPO: a word one character off a fixed term of the format (依申清公开 for 依申请公开)."""
    return _slips(section_id, field, text, _paragraphs(text))


def _slips(section_id: str, field: str, text: str, paragraphs: list[tuple[int, _Found]]) -> list[Issue]:
    out = []
    for n, (term, allowed, _) in enumerate(_SLIPS):
        seen = set()
        for at, found in paragraphs:
            for i, window in found.slips[n]:
                if window == term or window in seen:
                    continue
                ch = next(a for a, b in zip(window, term) if a != b)
                if ch in allowed or not _is_cjk(ch):
                    continue
                seen.add(window)
                out.append(Issue("warning", section_id, field, f"“{window}”是不是“{term}”？{_place(text, at + i)}", "V-TYPO"))
    return out


def prose_problems(section_id: str, fields: Iterable[Any], values: Mapping[str, Any]) -> list[Issue]:
    """Every rule of this module on every text of a section (``values`` as loaded)."""
    out: list[Issue] = []
    for path, text in texts_of(fields, values):
        out += sentence_sums(section_id, path, text)
        out += typos(section_id, path, text)
    return out
