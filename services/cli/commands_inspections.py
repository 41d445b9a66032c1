"""``cctrack standards show``, ``cctrack inspections list|show``, ``cctrack rectifications list``."""
from services.cli.table import render
from shared import labels


def register(sub):
    std = sub.add_parser("standards", help="建设标准").add_subparsers(dest="what", required=True)
    p = std.add_parser("show", help="显示某一级别的建设标准")
    p.add_argument("level", choices=sorted(labels.LEVELS))
    p.add_argument("--version", help="标准版本，默认为当前生效版本")
    p.set_defaults(func=show_standard)
    std.add_parser("versions", help="列出标准的各个版本").set_defaults(func=list_versions)

    insp = sub.add_parser("inspections", help="检查与验收记录").add_subparsers(dest="what", required=True)
    p = insp.add_parser("list", help="列出某中心的检查记录")
    p.add_argument("centre", help="中心编号，例如 js01-c01")
    p.add_argument("--kind", choices=sorted(labels.INSPECTION_KINDS))
    p.set_defaults(func=list_inspections)
    p = insp.add_parser("show", help="显示一条检查记录的逐项判定")
    p.add_argument("inspection", help="检查记录编号，例如 js01-c01-i1")
    p.set_defaults(func=show_inspection)

    rect = sub.add_parser("rectifications", help="整改项").add_subparsers(dest="what", required=True)
    p = rect.add_parser("list", help="列出一个街道办事处或一个中心的整改项")
    p.add_argument("--office", help="街道办事处（不指定 --centre 时必填）")
    p.add_argument("--status", choices=sorted(labels.RECTIFICATION_STATUSES))
    p.add_argument("--centre")
    p.set_defaults(func=list_rectifications)


def _threshold(item):
    if item["kind"] in ("number_at_least", "count_at_least"):
        return "≥ {} {}".format(item["threshold"], item["unit"])
    if item["kind"] == "required_set":
        return "、".join(o["name"] for o in item["required"])
    if item["kind"] == "no_incident":
        return "0 {}".format(item["unit"] or "")
    return "是"


def show_standard(rpc, args):
    standard = rpc.inspections.get_standard(args.level, args.version)
    print("{}（{}级，版本 {}，{} 起施行）".format(standard["title"], standard["level_name"], standard["version"],
                                         standard["effective_from"]))
    rows = [(i["id"], i["category"], i["name"], _threshold(i), "" if i["mandatory"] else "否") for i in standard["items"]]
    print(render(("编号", "类别", "检查项", "标准", "非必须"), rows))
    print(f"共 {len(rows)} 项")
    return 0


def list_versions(rpc, args):
    rows = [(v["version"], v["title"], v["effective_from"]) for v in rpc.inspections.list_standard_versions()]
    print(render(("版本", "名称", "施行日期"), rows))
    return 0


def list_inspections(rpc, args):
    filters = {"limit": 1000, **({"kind": args.kind} if args.kind else {})}
    page = rpc.inspections.list_inspections(args.centre, filters)
    rows = [(i["id"], labels.INSPECTION_KINDS[i["kind"]], i["inspected_on"], labels.INSPECTION_RESULTS[i["result"]], "、".join(i["failed_items"]),
             i["standard_version"], i["corrects"] or "", i["corrected_by"] or "") for i in page["items"]]
    print(render(("编号", "类型", "检查日期", "结果", "不合格项", "标准版本", "更正了", "已被更正"), rows))
    print("共 {} 条".format(page["total"]))
    return 0


def show_inspection(rpc, args):
    i = rpc.inspections.get_inspection(args.inspection)
    print("{} {}（{}）{} {}：{}".format(i["id"], i["centre_name"], i["office"], labels.INSPECTION_KINDS[i["kind"]], i["inspected_on"],
                                     labels.INSPECTION_RESULTS[i["result"]]))
    rows = [(r["item_id"], labels.ITEM_STATUSES[r["status"]], r["reason"]) for r in i["items"] if r["status"] != "not_applicable"]
    print(render(("检查项", "判定", "说明"), rows))
    return 0


def list_rectifications(rpc, args):
    filters = {"office": args.office, "status": args.status, "centre_id": args.centre, "limit": 1000}
    page = rpc.inspections.list_rectifications({k: v for k, v in filters.items() if v is not None})
    rows = [(r["id"], r["centre_name"], r["office"], r["title"], r["reason"], r["due"], labels.RECTIFICATION_STATUSES[r["status"]])
            for r in page["items"]]
    print(render(("编号", "中心", "街道办事处", "检查项", "问题", "整改期限", "状态"), rows))
    print("共 {} 项".format(page["total"]))
    return 0
