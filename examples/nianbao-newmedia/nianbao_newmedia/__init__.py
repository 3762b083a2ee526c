"""nianbao-newmedia: a seventh part, 政务新媒体情况, for the Fujian-2018 report, and one
county rule for the built-in 主动公开 part.

A worked example of a third-party nianbao plugin. It imports only the public API
(:mod:`nianbao` and ``nianbao.fields``) and is found through
the ``nianbao`` entry-point group declared in this package's ``pyproject.toml``::

    [project.entry-points.nianbao]
    newmedia = "nianbao_newmedia"

What it supplies:

* the section ``jo.newmedia`` (七、政务新媒体情况): the accounts a unit runs (platform,
  name, operator, posts), the interaction figures, a computed total, and its own template;
* the check ``jo-website-first`` on the built-in section ``fj.proactive``: the county
  publishes everything on its portal first, so the portal count should equal the total.

Settings (optional) are read from ``config.toml``::

    [plugins.newmedia]
    min_posts = 12   # fewer posts a year than this is flagged as 更新缓慢
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from nianbao import API_VERSION, Check, Section, error, hookimpl, rules, warning
from nianbao.fields import Choice, Computed, Integer, Line, Records, Text, field_path

__version__ = "1.0.0"

SECTION_ID = "jo.newmedia"
TEMPLATES = Path(__file__).parent / "templates"

#: Platforms, as stored in the file (value) and as printed (label).
PLATFORMS = (
    ("wechat", "微信公众号"),
    ("weibo", "微博"),
    ("app", "客户端（APP）"),
    ("video", "短视频（抖音、快手等）"),
    ("toutiao", "头条号"),
    ("other", "其他平台"),
)

#: Default for [plugins.newmedia] min_posts: fewer posts a year than this (about one a month)
#: is flagged as 更新缓慢.
MIN_POSTS = 12

#: Words that mark a sentence of 第二部分 as being about government new media.
NEW_MEDIA_WORDS = ("两微一端", "新媒体", "微信", "微博", "客户端", "抖音", "头条号")

# 《国务院办公厅关于推进政务新媒体健康有序发展的意见》: accounts that are updated slowly or
# cannot be maintained are to be closed or merged.
_GUIDANCE = "国办发〔2018〕123号要求对信息更新缓慢、无力维护的政务新媒体关停整合"


def posts_total(values):
    """各账号发布条数之和; ``None`` while any account's count is still empty. A parameter
    named ``values`` receives this section's own values (no section id to write)."""
    counts = [a.get("posts") for a in values["accounts"]]
    if any(c is None for c in counts):
        return None
    return sum(counts)


def quoted_posts(proactive) -> list[int]:
    """The numbers of 条 that 第二部分 (fj.proactive) quotes for new media: in sentences
    naming a new-media platform, and in every sentence of a channel titled as one
    (“两微一端”平台)."""
    # When fj.proactive is not loaded (replaced, switched off) this is the raw table of the
    # file, so every value is checked before use.
    intro = proactive.get("channels_intro")
    out = rules.numbers_before(intro, "条", NEW_MEDIA_WORDS) if isinstance(intro, str) else []
    channels = proactive.get("channels")
    for channel in channels if isinstance(channels, (list, tuple)) else ():
        if not isinstance(channel, Mapping):
            continue
        title, body = channel.get("title"), channel.get("body")
        if not isinstance(body, str):
            continue
        about_new_media = isinstance(title, str) and any(w in title for w in NEW_MEDIA_WORDS)
        # Every sentence quoting a number of 条 contains "条".
        out += rules.numbers_before(body, "条", ("条",) if about_new_media else NEW_MEDIA_WORDS)
    return out


ACCOUNTS = Records(
    key="accounts",
    label="政务新媒体账号",
    help="每个账号一条：平台、账号名称、主办单位、本年度发布条数",
    required=False,
    columns=(
        Choice(key="platform", label="平台", options=PLATFORMS),
        Line(key="name", label="账号名称", max_length=40),
        Line(key="operator", label="主办单位", required=False, max_length=40, help="不填即本单位"),
        Integer(key="posts", label="发布条数", unit="条", help="本年度发布的信息条数（篇）"),
    ),
)


class NewMedia(Section):
    """七、政务新媒体情况."""

    id = SECTION_ID
    api_version = API_VERSION
    number = 7
    heading = "政务新媒体情况"
    formats = ("fujian-2018",)
    template = "newmedia.j2"
    template_folder = TEMPLATES
    fields = (
        Text(key="intro", label="总体情况", required=False,
             help="政务新媒体的建设、管理和保障情况；未开设的写明未开设"),
        ACCOUNTS,
        Computed(key="posts_total", label="发布信息合计", unit="条", compute=posts_total,
                 help="由各账号发布条数相加"),
        Integer(key="closed", label="关停整合账号数", unit="个", required=False,
                help="本年度关停、整合的账号个数"),
        Integer(key="messages", label="收到网民留言", unit="条"),
        Integer(key="replies", label="回复网民留言", unit="条"),
        Integer(key="responses", label="回应社会关切", unit="次", help="通过政务新媒体回应公众关注热点或舆情的次数"),
        Text(key="plans", label="下一步工作", required=False),
    )

    def __init__(self, min_posts: int = MIN_POSTS):
        self.min_posts = min_posts

    def validate(self, report):
        v = report.values(self.id)
        out = []
        accounts = v["accounts"]
        seen: dict[tuple, int] = {}
        for i, account in enumerate(accounts):
            name = account.get("name") or f"第{i + 1}个账号"
            posts = account.get("posts")
            if posts == 0:
                out.append(warning(self.id, field_path("accounts", i, "posts"),
                                   f"「{name}」全年未发布信息：{_GUIDANCE}", "NM3"))
            elif posts is not None and posts < self.min_posts:
                out.append(warning(self.id, field_path("accounts", i, "posts"),
                                   f"「{name}」全年只发布{posts}条（少于{self.min_posts}条），更新缓慢：{_GUIDANCE}", "NM3"))
            key = (account.get("platform"), account.get("name"))
            if key[1]:
                if key in seen:
                    out.append(warning(self.id, field_path("accounts", i, "name"),
                                       f"「{name}」与第{seen[key] + 1}条是同一平台的同一账号，发布条数被重复计算", "NM4"))
                else:
                    seen[key] = i
        if not accounts and rules.is_blank_statement(v["intro"]):
            out.append(warning(self.id, "accounts",
                               "没有填写任何账号：如本单位未开设政务新媒体，请在“总体情况”中写明", "NM6"))

        messages, replies = v["messages"], v["replies"]
        if messages is not None and replies is not None:
            if replies > messages:
                out.append(error(self.id, "replies",
                                 f"回复网民留言{replies}条，多于收到的{messages}条：回复数不能多于留言数", "NM1"))
            elif replies < messages and "未回复" not in (v["intro"] or ""):
                out.append(warning(self.id, "replies",
                                   f"收到留言{messages}条，回复{replies}条，有{messages - replies}条未回复："
                                   "请在“总体情况”中说明未回复的原因", "NM2"))

        # Cross-section rule: the figure 第二部分 quotes for new media must match the accounts
        # (either the total itself, or per-platform figures that add up to it).
        total = report.computed(self.id, "posts_total")
        quoted = quoted_posts(report.values("fj.proactive"))
        if total is not None and quoted and total not in quoted and sum(quoted) != total:
            out.append(warning(self.id, "posts_total",
                               f"第二部分“公开形式”写政务新媒体发布信息{quoted[0]}条，"
                               f"与本部分各账号合计{total}条不一致", "NM5"))

        out += rules.year_words(self.id, "intro", v["intro"], report.year)
        out += rules.year_words(self.id, "plans", v["plans"], report.year)
        return out

    def context(self, report):
        v = report.values(self.id)
        labels = dict(PLATFORMS)
        accounts = [
            {
                "platform": labels.get(a.get("platform") or "", a.get("platform") or ""),
                "name": a.get("name") or "",
                "operator": a.get("operator") or "",
                "posts": a.get("posts"),
            }
            for a in v["accounts"]
        ]
        counts = Counter(a.get("platform") for a in v["accounts"] if a.get("platform"))
        summary = "、".join(f"{label}{counts[value]}个" for value, label in PLATFORMS if counts[value])
        return {"accounts": accounts, "platform_summary": summary}


# -- a county rule for a built-in section -------------------------------------------------

def website_first(report):
    """建瓯市's own rule: the portal is the first platform, so everything published
    proactively appears there; a smaller portal count is worth a second look."""
    counts = report.values("fj.proactive").get("counts")
    rows = [counts.get(r) if isinstance(counts, Mapping) else None for r in ("total", "website")]
    total, website = (row.get("year") if isinstance(row, Mapping) else None for row in rows)
    if not (isinstance(total, int) and isinstance(website, int)) or website >= total:
        return []
    return [warning("fj.proactive", "counts.website.year",
                    f"政府网站公开{website}条，少于主动公开总数{total}条：本市要求主动公开的政府信息"
                    "均在政府门户网站（第一平台）发布，请核实", "JO-WEB")]


# -- settings -------------------------------------------------------------------------------

def settings(config) -> dict:
    """The ``[plugins.newmedia]`` table of config.toml, checked."""
    table = config.plugin_settings("newmedia")
    min_posts = table.get("min_posts", MIN_POSTS)
    if isinstance(min_posts, bool) or not isinstance(min_posts, int) or min_posts < 0:
        # Raising disables this plugin; the host shows the message in `nianbao plugins`.
        raise ValueError(f"config.toml [plugins.newmedia] min_posts 应为非负整数，现在是 {min_posts!r}")
    return {"min_posts": min_posts}


# -- the hooks --------------------------------------------------------------------------------

@hookimpl
def nianbao_register_sections(config):
    return [NewMedia(**settings(config))]


@hookimpl
def nianbao_register_checks():
    return [Check(id="jo-website-first", section="fj.proactive", run=website_first,
                  description="政府网站公开数应等于主动公开总数（政府网站为第一平台）")]
