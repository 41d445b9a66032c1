"""Notice text, in Chinese, naming centre, office, item, due date and days overdue."""
LEVEL = {"escalate_head": "街道负责人", "escalate_bureau": "区文化主管部门"}


def subject(item, step):
    head = {"remind": "到期提醒", "overdue": "逾期通知"}.get(step.kind, "逾期升级")
    return "【{}】{} {}：{}".format(head, item.office, item.centre_name, item.title)


def text(item, step):
    where = "{}{}".format(item.office, item.centre_name)
    what = "「{}」".format(item.title)
    due = item.due.isoformat()
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
