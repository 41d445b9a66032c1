"""Notice text, in Chinese, naming centre, office, item, due date, the day it speaks for and days overdue."""
from urllib.parse import quote

from shared.settings import settings

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


def chase_text(item, note):
    """催办: what the bureau's note says about an item, to the office and its head."""
    return (f"【催办】区文化主管部门催办{item.office}{item.centre_name}的「{item.title}」"
            f"（期限 {item.due.isoformat()}）：{note}")


def digest(contact_name, day, notices):
    """One message for a day: each item once (its latest step that day), each with its link."""
    lines = [f"{contact_name}：{day} 共有 {len(notices)} 项建设进度通知："]
    lines += ["{}. {}\n   查看：{}".format(i, n["text"], item_url(n["item"])) for i, n in enumerate(notices, start=1)]
    return "\n".join(lines)


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


def webhook_body(fmt, subject_text, body_text, extra):
    """The POST body for a webhook: DingTalk and WeCom robots take the same text message shape."""
    if fmt in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": body_text}}
    return {"subject": subject_text, "text": body_text, **extra}
