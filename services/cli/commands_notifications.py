"""``cctrack overdue scan``, ``cctrack contacts ...``, ``cctrack notifications ...``."""
from services.cli.table import render
from shared import labels


def register(sub):
    overdue = sub.add_parser("overdue", help="逾期事项").add_subparsers(dest="what", required=True)
    p = overdue.add_parser("scan", help="按指定日期扫描：发出当天应发的通知（幂等），并列出逾期事项")
    p.add_argument("--as-of", help="日期，如 2018-01-05（默认今天）")
    p.add_argument("--office", help="只列出该街道办事处")
    p.add_argument("--report-only", action="store_true", help="只列出逾期事项，不发通知")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=scan_overdue)

    contacts = sub.add_parser("contacts", help="通知联系人").add_subparsers(dest="what", required=True)
    p = contacts.add_parser("list", help="列出联系人")
    p.add_argument("--office")
    p.set_defaults(func=list_contacts)
    p = contacts.add_parser("add", help="新增联系人")
    p.add_argument("id", help="联系人编号，如 fql-staff")
    p.add_argument("--name", required=True)
    p.add_argument("--office", help="所属街道办事处（区级联系人不填）")
    p.add_argument("--role", choices=("staff", "head"), default="staff", help="staff 经办人，head 负责人")
    p.add_argument("--mode", choices=("immediate", "daily_digest"), default="immediate")
    p.add_argument("--digest-hour", type=int, help="每日汇总的发送时间（0-23 点，北京时间；默认 NOTIFY_DIGEST_HOUR）")
    p.add_argument("--email")
    p.add_argument("--webhook")
    p.add_argument("--webhook-format", choices=("json", "dingtalk", "wecom"), default="json")
    p.add_argument("--secret", help="钉钉群机器人的加签密钥（SEC 开头）")
    p.add_argument("--mobile", help="手机号（短信服务商配置后才发送）")
    p.set_defaults(func=add_contact)
    p = contacts.add_parser("update", help="修改联系人")
    p.add_argument("id")
    p.add_argument("--name")
    p.add_argument("--role", choices=("staff", "head"))
    p.add_argument("--mode", choices=("immediate", "daily_digest"))
    p.add_argument("--digest-hour", type=int, help="每日汇总的发送时间（0-23 点，北京时间）")
    p.add_argument("--email")
    p.add_argument("--webhook")
    p.add_argument("--webhook-format", choices=("json", "dingtalk", "wecom"))
    p.add_argument("--secret", help="钉钉群机器人的加签密钥（SEC 开头）")
    p.add_argument("--mobile")
    p.set_defaults(func=update_contact)
    p = contacts.add_parser("test", help="向联系人的每个渠道发送一条测试消息")
    p.add_argument("id")
    p.set_defaults(func=test_contact)
    p = contacts.add_parser("remove", help="停用联系人（保留历史）")
    p.add_argument("id")
    p.set_defaults(func=remove_contact)

    notes = sub.add_parser("notifications", help="通知投递").add_subparsers(dest="what", required=True)
    p = notes.add_parser("deliveries", help="列出投递记录")
    p.add_argument("--status", choices=("pending", "sent", "failed"))
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=list_deliveries)
    notes.add_parser("deliver", help="立即执行一轮投递（含到期的重试）").set_defaults(func=deliver)
    p = notes.add_parser("bucket-deliveries", help="为升级前的投递记录补上按日分组字段，使其出现在投递记录中（可重复执行）")
    p.add_argument("--batch", type=int, default=500)
    p.set_defaults(func=bucket_deliveries)


def scan_overdue(rpc, args):
    if not args.report_only:
        result = rpc.notifications.scan({"as_of": args.as_of} if args.as_of else {})
        if result["workday"]:
            print("{} 扫描完成：{} 个未完成事项，新发通知 {} 条，新发现逾期 {} 项，升级 {} 次，待投递 {} 条".format(
                result["as_of"], result["items"], result["created"], result["detected"], result["escalated"],
                result["deliveries"]))
        else:
            print("{} 不是工作日，不发通知（下一个工作日补发）".format(result["as_of"]))
    query = {k: v for k, v in (("as_of", args.as_of), ("office", args.office), ("limit", args.limit)) if v}
    report = rpc.notifications.overdue_report(query)
    for name, status in report["sources"].items():
        if status != "ok":
            print(f"注意：{name} 服务不可用（{status}），其事项未计入")
    rows = []
    for row in report["items"]:
        told = "、".join(sorted({t["recipient_name"] for t in row["told"]})) or "尚未通知"
        rows.append((row["office"], row["centre_name"], row["title"], row["due"], row["overdue_since"],
                     row["days_overdue"], row["calendar_days"], told))
    print(render(("街道办事处", "中心", "事项", "到期日", "逾期起始", "逾期工作日", "逾期自然日", "已通知"), rows))
    print("截至 {}，逾期事项共 {} 项".format(report["as_of"], report["total"]))
    return 0


def list_contacts(rpc, args):
    page = rpc.notifications.list_contacts({k: v for k, v in (("office", args.office), ("limit", 1000)) if v})
    rows = [(c["id"], c["name"], c["office"] or "区文化主管部门", "负责人" if c["role"] == "head" else "经办人",
             labels.NOTIFY_MODES[c["mode"]] + ("（每天 {} 点）".format(c.get("digest_hour_effective"))
                                               if c["mode"] == "daily_digest" else ""), c["email"] or "",
             (c["webhook_format"] + " " + c["webhook"]) if c["webhook"] else "",
             "有效" if c["active"] else "已停用") for c in page["items"]]
    print(render(("编号", "姓名", "单位", "角色", "接收方式", "邮箱", "webhook", "状态"), rows))
    print("共 {} 人".format(page["total"]))
    return 0


def _actor():
    from services.cli.main import actor

    return actor()


def add_contact(rpc, args):
    contact = {"id": args.id, "name": args.name, "scope": "office" if args.office else "bureau", "office": args.office,
               "role": args.role, "mode": args.mode, "email": args.email, "webhook": args.webhook,
               "webhook_format": args.webhook_format, "secret": args.secret, "mobile": args.mobile,
               "digest_hour": args.digest_hour}
    saved = rpc.notifications.add_contact(contact, _actor())
    print("已新增联系人 {}（{}）".format(saved["id"], saved["name"]))
    return 0


def update_contact(rpc, args):
    changes = {k: v for k, v in (("name", args.name), ("role", args.role), ("mode", args.mode), ("email", args.email),
                                 ("webhook", args.webhook), ("webhook_format", args.webhook_format),
                                 ("secret", args.secret), ("mobile", args.mobile), ("digest_hour", args.digest_hour))
               if v is not None}
    saved = rpc.notifications.update_contact(args.id, changes, _actor())
    print("已修改联系人 {}（第 {} 版）".format(saved["id"], saved["version"]))
    return 0


def test_contact(rpc, args):
    result = rpc.notifications.test_contact(args.id, _actor())
    for outcome in result["results"]:
        print(outcome["message"])
    return 0 if all(o["ok"] for o in result["results"]) else 1


def remove_contact(rpc, args):
    saved = rpc.notifications.remove_contact(args.id, _actor())
    print("已停用联系人 {}".format(saved["id"]))
    return 0


def list_deliveries(rpc, args):
    page = rpc.notifications.list_deliveries({k: v for k, v in (("status", args.status), ("limit", args.limit)) if v})
    rows = [(d["created_at"][:16], d["contact_id"], labels.name(labels.CHANNELS, d["channel"]), d["target"],
             labels.DELIVERY_STATUSES[d["status"]], d["attempts"], d["last_error"] or "", d["subject"]) for d in page["items"]]
    print(render(("创建时间", "联系人", "渠道", "地址", "状态", "尝试次数", "最近错误", "主题"), rows))
    print("本页 {} 条（最新在前）{}".format(len(rows), "，还有更早的记录" if page.get("next") else ""))
    return 0


def bucket_deliveries(rpc, args):
    done = 0
    while True:
        given = rpc.notifications.bucket_deliveries(args.batch)
        done += given
        if given == 0:
            break
    print(f"已补全 {done} 条投递记录")
    return 0


def deliver(rpc, args):
    tally = rpc.notifications.deliver()
    print("本轮尝试 {} 条：成功 {}，稍后重试 {}，放弃 {}".format(tally["attempted"], tally["sent"], tally["retrying"],
                                                          tally["failed"]))
    return 0
