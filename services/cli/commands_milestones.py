"""``cctrack progress report|reopen|summary`` and ``cctrack milestones list|show|sync``."""

import os
import sys

from services.cli import files
from services.cli.table import render
from shared import labels
from shared.objects import object_store


def register(sub):
    progress = sub.add_parser("progress", help="填报和汇总建设进度").add_subparsers(dest="what", required=True)
    p = progress.add_parser("report", help="填报里程碑进度（以管理员身份，自动读取当前版本）")
    p.add_argument("centre", help="中心编号，例如 js01-c01")
    p.add_argument("milestone", help="里程碑，例如 p3_construction")
    p.add_argument("--status", required=True, choices=sorted(labels.MILESTONE_STATUSES))
    p.add_argument("--percent", type=int)
    p.add_argument("--note", default="")
    p.add_argument("--reason", default="", help="状态为 blocked 时必填")
    p.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help="佐证材料（JPEG、PNG、PDF）")
    p.add_argument("--done-on", help="完成日期 YYYY-MM-DD（补录过去的进度；不晚于今天，不早于建设计划开始）")
    p.set_defaults(func=report)
    p = progress.add_parser("reopen", help="重新打开已完成的里程碑")
    p.add_argument("centre")
    p.add_argument("milestone")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=reopen)
    p = progress.add_parser("summary", help="按街道汇总完成率和排名")
    p.add_argument("--phase", type=int)
    p.add_argument("--level", choices=sorted(labels.LEVELS))
    p.add_argument("--as-of", help="统计截至日期 YYYY-MM-DD")
    p.set_defaults(func=summary)

    ms = sub.add_parser("milestones", help="里程碑").add_subparsers(dest="what", required=True)
    p = ms.add_parser("list", help="列出里程碑")
    p.add_argument("--office", required=True, help="街道办事处（里程碑列表按街道查询）")
    p.add_argument("--phase", type=int)
    p.add_argument("--status", choices=sorted(labels.MILESTONE_STATUSES))
    p.add_argument("--level", choices=sorted(labels.LEVELS))
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=list_milestones)
    p = ms.add_parser("show", help="一个中心的全部里程碑")
    p.add_argument("centre")
    p.add_argument("--as-of", help="查看某日的状态 YYYY-MM-DD")
    p.set_defaults(func=show)
    ms.add_parser("sync", help="从任务分配表补建缺失的里程碑（可重复执行）").set_defaults(func=sync)


def report(rpc, args):
    from services.cli.main import actor

    evidence = []
    for path in args.evidence:
        content = files.read(path)
        if content is None:
            return 1
        # the bytes go to the object store; the RPC names them by key
        evidence.append({"filename": os.path.basename(path), "key": object_store().put(content)})
    current = {m["key"]: m for m in rpc.milestones.list_milestones(args.centre)["milestones"]}
    if args.milestone not in current:
        print("错误：中心 {} 没有里程碑 {}（可选：{}）".format(args.centre, args.milestone, "、".join(current)), file=sys.stderr)
        return 1
    update = {"status": args.status, "note": args.note, "reason": args.reason,
              "based_on_version": current[args.milestone]["version"], "evidence": evidence}
    if args.percent is not None:
        update["percent"] = args.percent
    if args.done_on:
        update["done_on"] = args.done_on
    saved = rpc.milestones.report_progress(args.centre, args.milestone, update, actor())
    print("已记录：{} {} → {}（{}%），版本 {}，佐证材料 {} 个".format(
        args.centre, saved["title"], labels.MILESTONE_STATUSES[saved["status"]], saved["percent"], saved["version"], len(saved["evidence"])))
    return 0


def reopen(rpc, args):
    from services.cli.main import actor

    saved = rpc.milestones.reopen(args.centre, args.milestone, args.reason, actor())
    print("已重新打开：{} {}，版本 {}".format(args.centre, saved["title"], saved["version"]))
    return 0


def list_milestones(rpc, args):
    filters = {"office": args.office, "phase": args.phase, "status": args.status, "level": args.level, "limit": args.limit}
    page = rpc.milestones.list_office_milestones({k: v for k, v in filters.items() if v is not None})
    rows = [(m["centre_id"], m["centre_name"], labels.name(labels.LEVELS, m["level"]), m["office"], m["phase"], m["title"],
             labels.name(labels.MILESTONE_OWNERS, m["owner"]), m["due"], labels.MILESTONE_STATUSES[m["status"]], "{}%".format(m["percent"]),
             "逾期" if m["overdue"] else "") for m in page["items"]]
    print(render(("编号", "中心", "级别", "街道办事处", "阶段", "里程碑", "负责", "到期", "状态", "进度", ""), rows))
    print("共 {} 项{}".format(page["total"], f"（显示 {len(rows)} 项）" if len(rows) < page["total"] else ""))
    return 0


def show(rpc, args):
    result = rpc.milestones.list_milestones(args.centre, args.as_of)
    centre = result["centre"]
    print("{} {}（{}，{}）截至 {}".format(centre["id"], centre["name"], labels.name(labels.LEVELS, centre["level"]), centre["office"],
                                     result["as_of"]))
    rows = [(m["phase"], m["key"], m["title"], labels.name(labels.MILESTONE_OWNERS, m["owner"]), m["due"], labels.MILESTONE_STATUSES[m["status"]],
             "{}%".format(m["percent"]), m["version"], "逾期" if m["overdue"] else "") for m in result["milestones"]]
    print(render(("阶段", "键", "里程碑", "负责", "到期", "状态", "进度", "版本", ""), rows))
    return 0


def summary(rpc, args):
    filters = {"phase": args.phase, "level": args.level, "as_of": args.as_of}
    result = rpc.reporting.progress_rollup({k: v for k, v in filters.items() if v is not None})  # the read model
    rows = [(o["rank"], o["office"], o["total"], o["done"], o["overdue"], "{}%".format(o["percent_done"]))
            for o in result["offices"]]
    print("截至 {}".format(result["as_of"]))
    print(render(("排名", "街道办事处", "里程碑", "已完成", "逾期", "完成率"), rows))
    t = result["totals"]
    print("全区：{} 项，已完成 {}，进行中 {}，受阻 {}，未开始 {}，逾期 {}，完成率 {}%".format(
        t["total"], t["done"], t["in_progress"], t["blocked"], t["not_started"], t["overdue"], t["percent_done"]))
    return 0


def sync(rpc, args, page=200):
    """Every office, ``page`` offices per call (each office: its centres at the assignment compared with the
    milestones' copy, only those missing or different reconciled), with progress on stderr."""
    keys = ("offices", "centres", "reconciled", "created", "redated", "moved")
    totals, offset = dict.fromkeys(keys, 0), 0
    while offset is not None:
        step = rpc.milestones.sync_centres({"offset": offset, "limit": page})
        totals = {k: totals[k] + step[k] for k in keys}
        offset = step["next"]
        if offset is not None:
            print("已核对 {:,} / {:,} 个街道办事处…".format(offset, step["total"]), file=sys.stderr, flush=True)
    print("已核对 {} 个中心：新建里程碑 {} 项，调整到期日 {} 项，调整街道 {} 个（{} 个街道办事处，补正 {} 个中心）".format(
        totals["centres"], totals["created"], totals["redated"], totals["moved"], totals["offices"],
        totals["reconciled"]))
    return 0
