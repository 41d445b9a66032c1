"""``cctrack import allocation``, ``cctrack centres list``, ``cctrack offices list``, ``cctrack token ...``."""
import sys
import time
import uuid

from services.cli import files
from services.cli.table import render
from shared import labels
from shared.errors import NotFound

PROGRESS_SECONDS = 2       # how often a running import is asked how far it is
NOT_STARTED_SECONDS = 30   # an import not started by then is waited for without progress


def register(sub):
    imp = sub.add_parser("import", help="导入数据").add_subparsers(dest="what", required=True)
    p = imp.add_parser("allocation", help="导入任务分配表（.csv 或 .xlsx）")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="只校验并报告变化，不写入")
    p.add_argument("--district", help="表中街道办事处所属的区（县）代码，如 410105（区划须先导入）")
    p.set_defaults(func=import_allocation)

    centres = sub.add_parser("centres", help="中心").add_subparsers(dest="what", required=True)
    p = centres.add_parser("list", help="列出中心")
    p.add_argument("--office")
    p.add_argument("--level", choices=sorted(labels.LEVELS))
    p.add_argument("--pilot", action="store_true", help="只列试点")
    p.set_defaults(func=list_centres)

    offices = sub.add_parser("offices", help="街道办事处").add_subparsers(dest="what", required=True)
    offices.add_parser("list", help="列出街道办事处及中心数量").set_defaults(func=list_offices)

    tok = sub.add_parser("token", help="访问令牌").add_subparsers(dest="what", required=True)
    p = tok.add_parser("create", help="创建令牌（明文只显示一次）")
    p.add_argument("--role", required=True, choices=("admin", "office", "inspector"))
    p.add_argument("--office", help="office 角色绑定的街道办事处")
    p.add_argument("--area", help="admin 角色所属区划代码（省、市或区县，如 4101）；不填则为全部区划")
    p.add_argument("--label", default="", help="备注，例如使用人")
    p.add_argument("--quiet", action="store_true", help="只输出令牌本身")
    p.set_defaults(func=create_token)
    tok.add_parser("list", help="列出令牌（不含明文）").set_defaults(func=list_tokens)
    p = tok.add_parser("revoke", help="吊销令牌")
    p.add_argument("prefix", help="令牌前缀（token list 中显示）")
    p.set_defaults(func=revoke_token)


def import_allocation(rpc, args):
    from services.cli.main import actor

    upload = files.table(args.file)
    if upload is None:
        return 1
    print(f"正在校验 {args.file}（{upload['size']} 字节）…", file=sys.stderr)
    import_id = uuid.uuid4().hex
    call = rpc.assignment.import_allocation.call_async({
        "filename": upload["filename"], "content_b64": upload["content_b64"],
        "dry_run": args.dry_run, "actor": actor(), "import_id": import_id, "district": args.district})
    follow_progress(rpc, import_id)
    report = call.result()
    print(report["message"])
    for label, key in (("新增", "added"), ("修改", "changed"), ("调整街道", "moved"), ("不在文件中", "absent")):
        if report.get(key):
            print("  {}：{}".format(label, "、".join(report[key][:20]) + (" …" if len(report[key]) > 20 else "")))
    return 0


def follow_progress(rpc, import_id, every=PROGRESS_SECONDS):
    """Print how far the import is until it is done or failed (or never started: its error is in the reply).
    The client is single-threaded: a reply that comes in while a progress call waits is kept for its caller."""
    shown, unknown_since = None, time.monotonic()
    while True:
        try:
            progress = rpc.assignment.import_progress(import_id)
        except NotFound:
            if time.monotonic() - unknown_since > NOT_STARTED_SECONDS:
                return
            time.sleep(min(every, 0.5))
            continue
        if progress["stage"] in ("done", "failed"):
            return
        if progress["stage"] == "writing" and progress["done"] != shown:
            shown = progress["done"]
            print("已写入 {:,} / {:,} 行…".format(progress["done"], progress["total"]), file=sys.stderr)
        time.sleep(every)


def list_centres(rpc, args):
    filters = {"office": args.office, "level": args.level, "limit": 1000}
    if args.pilot:
        filters["pilot"] = True
    page = rpc.assignment.list_centres({k: v for k, v in filters.items() if v is not None})
    rows = [(c["id"], c["name"], labels.LEVELS[c["level"]], c["office"], c["deadline"], "是" if c["pilot"] else "", c["remark"])
            for c in page["items"]]
    print(render(("编号", "名称", "级别", "街道办事处", "完成时限", "试点", "备注"), rows))
    print("共 {} 个".format(page["total"]))
    return 0


def list_offices(rpc, args, page=1000):
    """Every office, read page by page (``page`` offices per call) and printed as one table."""
    offices, offset, total = [], 0, 1
    while offset < total:
        step = rpc.assignment.list_offices({"offset": offset, "limit": page})
        offices.extend(step["items"])
        offset, total = offset + page, step["total"]
    rows = [(o["seq"], o["name"], o["subdistrict"], o["community"], o["village"], o["total"], o["pilots"]) for o in offices]
    print(render(("序号", "街道办事处", "街道级", "社区级", "村级", "合计", "试点"), rows))
    print("合计：{} 个街道办事处，{} 个中心（街道级 {}，社区级 {}，村级 {}）".format(
        len(offices), sum(o["total"] for o in offices), sum(o["subdistrict"] for o in offices),
        sum(o["community"] for o in offices), sum(o["village"] for o in offices)))
    return 0


def create_token(rpc, args):
    result = rpc.gateway.create_token(args.role, args.office, args.label, args.area)
    if args.quiet:
        print(result["token"])
    else:
        print("令牌（只显示这一次，请妥善保存）：")
        print(result["token"])
        print("角色：{}  街道办事处：{}  前缀：{}".format(result["role"], result["office"] or "-", result["prefix"]))
    return 0


def list_tokens(rpc, args):
    rows = [(t["prefix"], t["role"], t.get("office") or "", t.get("label") or "", t["created_at"][:19],
             "已吊销" if t.get("revoked") else "有效") for t in rpc.gateway.list_tokens()]
    print(render(("前缀", "角色", "街道办事处", "备注", "创建时间", "状态"), rows))
    return 0


def revoke_token(rpc, args):
    print("已吊销 {} 个令牌".format(rpc.gateway.revoke_token(args.prefix)["revoked"]))
    return 0
