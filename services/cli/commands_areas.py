"""``cctrack areas import|list|place``: the area tree (区划) and which district each office belongs to (docs/areas.md)."""
import sys

from services.cli import files
from services.cli.table import render
from shared.areas import LEVEL_NAMES


def register(sub):
    areas = sub.add_parser("areas", help="区划（省、市、区县）").add_subparsers(dest="what", required=True)
    p = areas.add_parser("import", help="导入区划表（.csv 或 .xlsx，每行：名称、区划代码）")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="只校验，不写入")
    p.set_defaults(func=import_areas)
    p = areas.add_parser("list", help="列出某区划的下级区划（不指定则列出各省）")
    p.add_argument("--parent", help="上级区划代码，如 41、4101")
    p.set_defaults(func=list_areas)
    p = areas.add_parser("place", help="把街道办事处（及其中心）归入某区（县）；--unplaced 分批处理所有尚未归属的街道办事处")
    p.add_argument("--district", required=True, help="区（县）代码，如 410105")
    p.add_argument("--office", action="append", default=[], help="街道办事处名称（可重复）")
    p.add_argument("--unplaced", action="store_true", help="所有尚未归入任何区（县）的街道办事处（迁移已有数据）")
    p.set_defaults(func=place_offices)
    areas.add_parser("rollups", help="按各街道办事处所属区划重算区县、市、省的汇总（读模型）").set_defaults(func=rollups)


def import_areas(rpc, args):
    from services.cli.main import actor

    upload = files.table(args.file)
    if upload is None:
        return 1
    report = rpc.assignment.import_areas({"filename": upload["filename"], "dry_run": args.dry_run,
                                          "content_b64": upload["content_b64"], "actor": actor()})
    print(report["message"])
    return 0


def list_areas(rpc, args):
    answer = rpc.assignment.list_areas({"parent": args.parent} if args.parent else {})
    rows = [(a["code"], a["name"], LEVEL_NAMES.get(a["level"], a["level"])) for a in answer["items"]]
    print(render(("区划代码", "名称", "级别"), rows))
    return 0


def rollups(rpc, args):
    from services.cli.commands_reports import rebuild_areas

    done = rebuild_areas(rpc)  # each partition's writer (commands_reports.writers)
    print("已重算汇总：{} 个街道办事处，{} 个区（县）".format(done["offices"], done["districts"]))
    return 0


def place_offices(rpc, args):
    """Named offices in one call; ``--unplaced`` a batch at a time until none is left; then the read model's
    roll-ups are recomputed (``reporting.rebuild_areas``)."""
    from services.cli.commands_reports import rebuild_areas
    from services.cli.main import actor

    if not args.office and not args.unplaced:
        print("错误：请用 --office 指定街道办事处，或用 --unplaced 处理所有尚未归属的街道办事处", file=sys.stderr)
        return 1
    offices = centres = 0
    while True:
        placed = rpc.assignment.place_offices({"district": args.district, "offices": args.office,
                                               "unplaced": args.unplaced, "actor": actor()})
        offices, centres = offices + len(placed["offices"]), centres + placed["centres"]
        if not placed["more"]:
            break
    rebuild_areas(rpc)
    print(f"已归入：{offices} 个街道办事处，{centres} 个中心更新了区划")
    return 0
