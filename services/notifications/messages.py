"""Notice text, in Chinese, naming centre, office, item, due date, the day it speaks for and days overdue,
and the centre's 序时进度 status colour (``pace``: colour, expected_percent, percent_done, on) as the read model
gave it when the notice was planned; the same message as plain text, e-mail HTML and robot markdown."""
from html import escape
from urllib.parse import quote

from shared.settings import settings

# The centre's status colour in words (services/reporting/pace.py), as every notice states it.
PACE_WORDS = {"red": "红色：已逾期", "yellow": "黄色：落后序时进度", "blue": "蓝色：即将到期", "green": "绿色：进度正常"}
# The colours of the web app's PaceTag (contrast >= 4.5:1): background, text.
PACE_HTML = {"red": ("#c62828", "#fff"), "yellow": ("#ffe082", "#4e3400"), "blue": ("#1565c0", "#fff"),
             "green": ("#2e7d32", "#fff")}
# WeCom markdown knows three font colours only; DingTalk's takes any.
WECOM_FONT = {"red": "warning", "yellow": "warning", "blue": "comment", "green": "info"}

LEVEL = {"escalate_head": "街道负责人", "escalate_bureau": "区文化主管部门"}
# Milestones only an inspection result sets (owner "inspection" in the plan): offices cannot update them,
# so their notices go to the inspectors and the bureau and say what is awaited.
AWAITED = {"p4_acceptance": "尚未进行区级检查验收或验收未通过，请验收人员安排检查验收并录入结果",
           "p5_rectification": "整改尚未全部复查通过，请验收人员对已提交的整改材料进行复查并录入结果"}


def awaited(item):
    """What an inspection-owned milestone is waiting for, or None for the office's own work."""
    if item.kind != "milestone":
        return None
    return AWAITED.get(item.ref.rsplit("/", 1)[-1])


def subject(item, step):
    head = {"remind": "到期提醒", "overdue": "逾期通知"}.get(step.kind, "逾期升级")
    return f"【{head}】{item.office} {item.centre_name}：{item.title}"


def text(item, step, as_of=None):
    """The notice; ``as_of`` (the day scanned) is the day its counts speak for."""
    on = f"截至 {as_of.isoformat()} " if as_of else "现"
    where = f"{item.office}{item.centre_name}"
    what = f"「{item.title}」"
    due = item.due.isoformat()
    if awaited(item):
        head = {"remind": "到期提醒", "overdue": "逾期通知"}.get(step.kind, "逾期升级")
        when = (f"将于 {due} 到期" if step.kind == "remind" else
                f"已于 {due} 到期，{on}已逾期 {step.days} 个工作日")
        return f"【{head}·待验收】{where}的{what}{when}：{awaited(item)}。"
    if item.kind == "acknowledge" and step.kind in ("remind", "overdue"):
        late = f"已超过签收期限（{due}）{step.days} 个工作日" if step.kind == "overdue" else f"请于 {due} 前签收"
        order = item.title.split("：", 1)[-1]
        return f"【签收提醒】{where}有一份整改通知（{order}）尚未签收，{late}；请在系统中签收并按期整改。"
    if item.kind == "indicator" and step.kind == "overdue":
        return f"【进度预警】{where}{what}（依据 {due} 前应报送的月报数据），请加快推进。"
    if step.kind == "remind":
        if step.days == 0:
            return f"【到期提醒】{where}的{what}今天（{due}）到期，请确认是否已完成并在系统中更新进度。"
        left = f"截至 {as_of.isoformat()} " if as_of else ""
        return f"【到期提醒】{where}的{what}将于 {due} 到期，{left}还剩 {step.days} 个工作日，请抓紧推进。"
    if step.kind == "overdue":
        return (f"【逾期通知】{where}的{what}已于 {due} 到期，{on}已逾期 {step.days} 个工作日（第 {step.number} 次通知），"
                "请尽快完成并在系统中更新进度。")
    return (f"【逾期升级·{LEVEL[step.kind]}】{where}的{what}已于 {due} 到期，{on}已逾期 {step.days} 个工作日，仍未完成，"
            "请督促落实。")


def pace_words(pace):
    """"红色：已逾期" for a centre's status (None: the read model gave none)."""
    return PACE_WORDS.get((pace or {}).get("colour"))


def pace_progress(pace):
    """序时进度 in words: the expected share against the share done, and the day they speak for."""
    return "序时进度：应完成 {:g}%，已完成 {:g}%（截至 {}）".format(
        pace.get("expected_percent") or 0, pace.get("percent_done") or 0, pace["on"])


def pace_line(pace):
    """The line every notice about a centre ends with, or "" without a colour."""
    if not pace_words(pace):
        return ""
    return f"中心状态：{pace_words(pace)}；{pace_progress(pace)}"


def with_pace(body_text, pace):
    line = pace_line(pace)
    return f"{body_text}\n{line}" if line else body_text


def chase_text(item, note):
    """催办: what the bureau's note says about an item, to the office and its head."""
    return (f"【催办】区文化主管部门催办{item.office}{item.centre_name}的「{item.title}」"
            f"（期限 {item.due.isoformat()}）：{note}")


def digest_heading(contact_name, day, count):
    return f"{contact_name}：{day} 共有 {count} 项建设进度通知："


def digest(contact_name, day, notices):
    """One message for a day: each item once (its latest step that day), each with its colour and its link."""
    lines = [digest_heading(contact_name, day, len(notices))]
    for i, n in enumerate(notices, start=1):
        line = f"{i}. {n.get('body') or n['text']}"
        if pace_line(n.get("pace")):
            line += "\n   " + pace_line(n.get("pace"))
        lines.append(f"{line}\n   查看：{item_url(n['item'])}")
    return "\n".join(lines)


def block(notice):
    """What the rich (HTML, markdown) forms of a message show of one notice: its text, colour and link."""
    return {"text": notice.get("body") or notice["text"], "pace": notice.get("pace"), "link": item_url(notice["item"])}


def _tag_html(pace):
    words = pace_words(pace)
    if not words:
        return ""
    back, fore = PACE_HTML[pace["colour"]]
    return (f'<p><span style="background:{back};color:{fore};padding:1px 6px;border-radius:3px">{escape(words)}</span>'
            f' {escape(pace_progress(pace))}</p>')


def html(subject_text, blocks, heading=None):
    """The HTML part of an e-mail: each notice with its colour as a coloured tag and its link."""
    parts = [f"<h3>{escape(subject_text)}</h3>"] + ([f"<p>{escape(heading)}</p>"] if heading else [])
    items = []
    for b in blocks:
        body = "<br>".join(escape(line) for line in b["text"].split("\n"))
        link = escape(b["link"], quote=True)
        items.append(f'<p>{body}</p>{_tag_html(b.get("pace"))}<p><a href="{link}">查看详情</a></p>')
    if heading:
        parts.append("<ol>" + "".join(f"<li>{i}</li>" for i in items) + "</ol>")
    else:
        parts += items
    return '<html><body style="font-family:sans-serif">' + "".join(parts) + "</body></html>"


def _font(fmt, pace):
    words = pace_words(pace)
    if not words:
        return ""
    if fmt == "wecom":
        return f'<font color="{WECOM_FONT[pace["colour"]]}">**{words}**</font>'
    return f'<font color="{PACE_HTML[pace["colour"]][0]}">**{words}**</font>'


def markdown(fmt, subject_text, blocks, heading=None):
    """A WeCom or DingTalk robot's markdown: the subject, each notice with its colour (bold, in colour) and link."""
    lines = [f"### {subject_text}"] + ([heading] if heading else [])
    limit = ROBOT_BYTES.get(fmt, 0)
    for i, b in enumerate(blocks, start=1):
        part = [f"{i}. {b['text']}" if heading else b["text"]]
        if pace_words(b.get("pace")):
            part.append(f"> 中心状态：{_font(fmt, b['pace'])}  \n> {pace_progress(b['pace'])}")
        part.append(f"[查看详情]({b['link']})")
        more = f"另有 {len(blocks) - i + 1} 项未列出，请登录系统查看。"
        if limit and len("\n\n".join(lines + part + [more]).encode()) > limit:
            lines.append(more)  # the robot refuses a longer message
            break
        lines += part
    return "\n\n".join(lines)


ROBOT_BYTES = {"wecom": 4096, "dingtalk": 18000}  # the robots' markdown limits (bytes)


def item_path(item):
    """The page of the item itself in the app (``item``: an Item snapshot dict)."""
    kind, ref, centre = item.get("kind"), item.get("ref") or "", item.get("centre_id") or ""
    if kind == "milestone" and "/" in ref:
        return "/centre/{}?milestone={}".format(quote(centre, safe=""), quote(ref.rsplit("/", 1)[1], safe=""))
    if kind == "rectification":
        return "/rectification/" + quote(ref, safe="")
    if kind in ("indicator", "monthly_report"):
        return "/monthly/" + quote(centre, safe="")
    return "/centre/" + quote(centre, safe="")


def item_url(item):
    """The absolute link people open (the app routes in its URL's fragment; the login page keeps it)."""
    return settings().public_url.rstrip("/") + "/#" + item_path(item)


def with_link(body_text, item):
    return f"{body_text}\n查看详情：{item_url(item)}"


def webhook_body(fmt, subject_text, body_text, extra, rich=None):
    """The POST body for a webhook. Robots: markdown when the message has notices to show (``rich``: its
    blocks and heading), else a text message; the generic webhook: JSON with ``extra`` (a notice's ``pace``)."""
    if fmt in ("dingtalk", "wecom") and rich and rich.get("blocks"):
        content = markdown(fmt, subject_text, rich["blocks"], rich.get("heading"))
        if fmt == "wecom":
            return {"msgtype": "markdown", "markdown": {"content": content}}
        return {"msgtype": "markdown", "markdown": {"title": subject_text, "text": content}}
    if fmt in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": body_text}}
    return {"subject": subject_text, "text": body_text, **extra}
