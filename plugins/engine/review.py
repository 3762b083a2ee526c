"""Review between the county office and its units: who may do what, and the steps.

A report goes 填报中 → 已提交 (the unit submits; refused while it has errors or a remark nobody
has answered) → 退回 with remarks, or 已通过 (then nobody changes it through nianbao until the
office reopens it). Every step is an entry in the report's journal (:mod:`plugins.engine.journal`),
so the state and the remarks are read back from there and carry the same tamper evidence.

Who is who comes from ``config.toml``: ``[review] office`` lists the office's Unix users and
``@groups``; each ``[[units]]`` entry's ``accounts`` those of the unit (none listed: whoever
Unix lets write the report). The person is the process's real user id, never ``$USER``.
Unix permissions stay the floor: a journal one cannot read by Unix cannot be read here either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config, Unit
from .errors import NianbaoError
from .journal import FROZEN, REVIEW_STATES, Journal, Remark, Review, journal_path
from .report import META, Report

__all__ = ["frozen_reason", "not_approved", "Person", "Roles", "ReviewError", "current_person", "roles_for", "unit_of", "parse_target",
           "submit", "withdraw", "return_report", "approve", "reopen", "add_remark", "answer", "resolve",
           "read_review", "may_read"]


class ReviewError(NianbaoError):
    """A review step that is not allowed now, or not for this person; says why."""


@dataclass(frozen=True)
class Person:
    user: str
    groups: frozenset[str]

    def matches(self, accounts: tuple[str, ...]) -> bool:
        return any(a == self.user if not a.startswith("@") else a[1:] in self.groups for a in accounts)


def current_person() -> Person:
    import grp
    import pwd

    uid = os.getuid()
    try:
        pw = pwd.getpwuid(uid)
        user, gids = pw.pw_name, set(os.getgrouplist(pw.pw_name, pw.pw_gid))
    except KeyError:
        user, gids = str(uid), set()
    gids.update(os.getgroups())
    gids.add(os.getgid())
    names = set()
    for gid in gids:
        try:
            names.add(grp.getgrgid(gid).gr_name)
        except KeyError:
            pass
    return Person(user, frozenset(names))


def unit_of(config: Config, path: Path, report: Report | None = None) -> Unit | None:
    """The configured unit a report file belongs to: the unit whose ``file`` it is, or whose
    ``<name>.toml`` it is in the county folder, or whose name the report's ``[report] unit`` gives."""
    target = path.resolve()
    for u in config.units:
        if u.file is not None and u.file.resolve() == target:
            return u
    if config.county_folder is not None:
        for u in config.units:
            if u.file is None and (config.county_folder / f"{u.name}.toml").resolve() == target:
                return u
    name = report.meta.get("unit") if report is not None else None
    if isinstance(name, str):
        for u in config.units:
            if u.name == name.strip():
                return u
    return None


@dataclass(frozen=True)
class Roles:
    person: Person
    office: bool
    unit: bool
    unit_name: str | None
    office_listed: bool = True  # config.toml names the office's accounts

    def describe(self) -> str:
        roles = [r for r, yes in (("县政府办", self.office), (self.unit_name or "本单位", self.unit)) if yes]
        return f"{self.person.user}（{'、'.join(roles) or '既不是县政府办的账号，也不是该单位的账号'}）"


def roles_for(config: Config, path: Path, report: Report | None = None, person: Person | None = None) -> Roles:
    person = person or current_person()
    unit = unit_of(config, path, report)
    office = person.matches(config.office)
    if unit is None:
        acts_for_unit = True  # a report no [[units]] entry claims: Unix permissions decide
    else:
        acts_for_unit = person.matches(unit.accounts) if unit.accounts else True
    return Roles(person, office, acts_for_unit, unit.name if unit else None, bool(config.office))


def may_read(roles: Roles) -> None:
    if not (roles.office or roles.unit):
        raise ReviewError(f"{roles.describe()}：不能查看这份报告的修改记录和审核意见")


def _need(roles: Roles, *, office: bool = False, unit: bool = False, what: str) -> None:
    if office and roles.office or unit and roles.unit:
        return
    if office and not roles.office_listed:
        hint = "config.toml 的 [review] office 没有列出县政府办的账号"
    elif office:
        hint = "只有县政府办的账号（config.toml [review] office）可以这样做"
    else:
        hint = f"只有{roles.unit_name or '该单位'}的账号（config.toml [[units]] accounts）可以这样做"
    raise ReviewError(f"{roles.describe()} 不能{what}：{hint}")


def read_review(path: Path) -> Review:
    """The review state of a report (填报中 when it has no journal yet)."""
    if not journal_path(path).exists():
        return Review()
    with Journal(path, create=False) as j:
        return j.review()


def frozen_reason(path: Path) -> str:
    """Why nianbao may not change the report now ("" when it may): submitted or approved."""
    from .errors import NianbaoError

    try:
        state = read_review(path).state
    except NianbaoError:
        return ""
    if state == "submitted":
        return "报告已提交，正在审核，不能修改（nianbao submit --withdraw 撤回后可改）"
    if state == "approved":
        return "报告已通过审核，不能修改（只有县政府办可以重新打开）"
    return ""


def not_approved(files: list[Path]) -> list[dict[str, Any]]:
    """The reports among ``files`` the office has not approved: file, unit, state (``unknown``
    when this user may not read the journal)."""
    from .errors import NianbaoError
    from .store import load_report

    out = []
    for path in files:
        try:
            review = read_review(path)
            state, label = review.state, review.label
            if state == "returned":
                label += f"（{len(review.open_remarks)} 条意见）"
        except NianbaoError:
            state, label = "unknown", "审核状态无法读取"
        if state == "approved":
            continue
        try:
            unit = load_report(path).meta.get("unit") or ""
        except NianbaoError:
            unit = ""
        out.append({"file": str(path), "unit": unit if isinstance(unit, str) else "", "review": state,
                    "review_label": label})
    return out


def parse_target(host: Any, report: Report, target: str) -> tuple[str, str]:
    """``SECTION`` or ``SECTION:FIELD`` (FIELD as ``key``, ``key[i].col`` or ``key.row.col``)
    checked against the report's format; ``report`` names the document information."""
    section_id, _, field_path = target.partition(":")
    section_id, field_path = section_id.strip(), field_path.strip()
    from .checks import describe_field, meta_fields

    fmt = host.format_for(report)
    known = {s.id: s for s in host.sections_for(fmt.id)} if fmt is not None else {}
    if section_id == META:
        fields = meta_fields(host, report)
    elif section_id in known:
        fields = known[section_id].fields
    else:
        raise ReviewError(f"没有“{section_id}”这个部分（可用：{'、'.join([META, *known])}）")
    if field_path:
        key = field_path.split("[")[0].split(".")[0]
        if not any(f.key == key for f in fields):
            raise ReviewError(f"部分 {section_id} 没有“{key}”这一项（可用：{'、'.join(f.key for f in fields)}）")
        if describe_field(fields, field_path) == field_path and field_path != key:
            raise ReviewError(f"部分 {section_id} 没有“{field_path}”这一格")
    return section_id, field_path


# -- the steps ------------------------------------------------------------------------------------
def _state_is(review: Review, allowed: tuple[str, ...], what: str) -> None:
    if review.state not in allowed:
        need = "或".join(REVIEW_STATES[s] for s in allowed)
        raise ReviewError(f"报告现在是“{review.label}”，不能{what}（{what}要求报告是“{need}”）")


def _open(path: Path) -> Journal:
    return Journal(path)


def _version(j: Journal) -> dict[str, Any]:
    tip = j.tip()
    return {"version": tip[0]} if tip else {}


def submit(path: Path, roles: Roles, errors: list[str]) -> Review:
    """The unit hands the report in. ``errors``: the check's errors, in words (refused if any)."""
    _need(roles, unit=True, what="提交")
    with _open(path) as j:
        j.recover()
        rv = j.review()
        _state_is(rv, ("drafting", "returned"), "提交")
        if errors:
            raise ReviewError(f"报告还有 {len(errors)} 个错误，改正后才能提交：\n" + "\n".join(f"  {e}" for e in errors))
        unanswered = [r for r in rv.remarks if r.state == "open"]
        if unanswered:
            raise ReviewError(f"还有 {len(unanswered)} 条审核意见没有答复或解决：\n"
                              + "\n".join(f"  #{r.id} {r.where}：{r.text}" for r in unanswered))
        j.event("submit", _version(j))
        return j.review()


def withdraw(path: Path, roles: Roles) -> Review:
    _need(roles, unit=True, what="撤回提交")
    with _open(path) as j:
        _state_is(j.review(), ("submitted",), "撤回提交")
        j.event("withdraw", _version(j))
        return j.review()


def add_remark(path: Path, roles: Roles, section: str, field_path: str, text: str) -> Remark:
    _need(roles, office=True, what="提审核意见")
    text = text.strip()
    if not text:
        raise ReviewError("意见不能为空")
    with _open(path) as j:
        rv = j.review()
        if rv.state == "approved":
            raise ReviewError("报告已通过，先重新打开（nianbao reopen）才能再提意见")
        seq = j.event("remark", {"section": section, "path": field_path, "text": text, **_version(j)})
        return next(r for r in j.review().remarks if r.id == seq)


def _remark(rv: Review, rid: int) -> Remark:
    for r in rv.remarks:
        if r.id == rid:
            return r
    known = "、".join(f"#{r.id}" for r in rv.remarks) or "无"
    raise ReviewError(f"没有第 {rid} 号意见（现有：{known}）")


def answer(path: Path, roles: Roles, rid: int, text: str) -> Remark:
    _need(roles, unit=True, what="答复审核意见")
    if not text.strip():
        raise ReviewError("答复不能为空")
    with _open(path) as j:
        r = _remark(j.review(), rid)
        if r.state == "resolved":
            raise ReviewError(f"第 {rid} 号意见已解决")
        j.event("answer", {"remark": rid, "text": text.strip()})
        return _remark(j.review(), rid)


def resolve(path: Path, roles: Roles, rid: int) -> Remark:
    _need(roles, unit=True, office=True, what="把审核意见标为已解决")
    with _open(path) as j:
        r = _remark(j.review(), rid)
        if r.state == "resolved":
            raise ReviewError(f"第 {rid} 号意见已经解决了")
        j.event("resolve", {"remark": rid})
        return _remark(j.review(), rid)


def return_report(path: Path, roles: Roles) -> Review:
    """The office sends the report back; it needs at least one remark not yet resolved."""
    _need(roles, office=True, what="退回报告")
    with _open(path) as j:
        rv = j.review()
        _state_is(rv, ("submitted",), "退回")
        if not rv.open_remarks:
            raise ReviewError("退回时要附审核意见：先用 nianbao remark 提意见（或 nianbao return --remark）")
        j.event("return", {"remarks": [r.id for r in rv.open_remarks], **_version(j)})
        return j.review()


def approve(path: Path, roles: Roles) -> Review:
    _need(roles, office=True, what="通过报告")
    with _open(path) as j:
        j.recover()
        _state_is(j.review(), ("submitted",), "通过")
        j.event("approve", _version(j))
        return j.review()


def reopen(path: Path, roles: Roles) -> Review:
    _need(roles, office=True, what="重新打开报告")
    with _open(path) as j:
        _state_is(j.review(), tuple(FROZEN) + ("returned",), "重新打开")
        j.event("reopen", _version(j))
        return j.review()
