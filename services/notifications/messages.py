"""Notice text, in Chinese, naming centre, office, item, due date and days overdue."""
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
    return "【{}】{} {}：{}".format(head, item.office, item.centre_name, item.title)


def text(item, step):
    where = "{}{}".format(item.office, item.centre_name)
    what = "「{}」".format(item.title)
    due = item.due.isoformat()
    if awaited(item):
        head = {"remind": "到期提醒", "overdue": "逾期通知"}.get(step.kind, "逾期升级")
        when = ("将于 {} 到期".format(due) if step.kind == "remind" else
                "已于 {} 到期，现已逾期 {} 个工作日".format(due, step.days))
        return "【{}·待验收】{}的{}{}：{}。".format(head, where, what, when, awaited(item))
    if item.kind == "indicator" and step.kind == "overdue":
        return "【进度预警】{}{}（依据 {} 前应报送的月报数据），请加快推进。".format(where, what, due)
    if step.kind == "remind":
        if step.days == 0:
            return "【到期提醒】{}的{}今天（{}）到期，请确认是否已完成并在系统中更新进度。".format(where, what, due)
        return "【到期提醒】{}的{}将于 {} 到期，还剩 {} 个工作日，请抓紧推进。".format(where, what, due, step.days)
    if step.kind == "overdue":
        return ("【逾期通知】{}的{}已于 {} 到期，现已逾期 {} 个工作日（第 {} 次通知），"
                "请尽快完成并在系统中更新进度。").format(where, what, due, step.days, step.number)
    return ("【逾期升级·{}】{}的{}已于 {} 到期，现已逾期 {} 个工作日，仍未完成，"
            "请督促落实。").format(LEVEL[step.kind], where, what, due, step.days)


def digest(contact_name, day, notices):
    lines = ["{}：{} 共有 {} 条建设进度通知：".format(contact_name, day, len(notices))]
    lines += ["{}. {}".format(i, n["text"]) for i, n in enumerate(notices, start=1)]
    return "\n".join(lines)


def webhook_body(fmt, subject_text, body_text, extra):
    """The POST body for a webhook: DingTalk and WeCom robots take the same text message shape."""
    if fmt in ("dingtalk", "wecom"):
        return {"msgtype": "text", "text": {"content": body_text}}
    return {"subject": subject_text, "text": body_text, **extra}
