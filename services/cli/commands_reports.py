"""``cctrack reports rebuild``: rebuild the read model (reporting service) from the services' stores.

With the read model in partitions (``REPORTING_PARTITION``, docs/read-model.md), each partition is rebuilt by its
own writer, asked on its own RPC queue (``reporting-<tag>``): every partition in turn, or the one given."""


def register(sub):
    reports = sub.add_parser("reports", help="统计报表（读模型）").add_subparsers(dest="what", required=True)
    p = reports.add_parser("rebuild", help="从各服务的数据重建统计读模型（按街道分页，显示进度）")
    p.add_argument("--page", type=int, default=200, help="每页中心数（1-1000）")
    p.add_argument("--if-empty", action="store_true", help="读模型已有数据时不重建")
    p.add_argument("--partition", help="只重建这个分区（其省级区划代码，如 41 或 41,42）；不给则逐个重建全部分区")
    p.set_defaults(func=rebuild)


def tag_of(text):
    """A partition as its writer names it: its province codes, sorted, joined by '-' (services/reporting/partition.py)."""
    return "-".join(sorted(part.strip() for part in text.replace("-", ",").split(",") if part.strip()))


def writers(rpc):
    """The reporting writer of each partition (its own RPC queue), or the one writer of an unpartitioned model."""
    tags = rpc.reporting.partitions()["partitions"]
    return [rpc.reporting if not tag else rpc[f"reporting-{tag}"] for tag in tags]


def rebuild_areas(rpc):
    """Every writer's areas' roll-ups recomputed: {offices, districts} summed over the partitions."""
    done = [reporting.rebuild_areas() for reporting in writers(rpc)]
    return {"offices": sum(d["offices"] for d in done), "districts": sum(d["districts"] for d in done)}


def rebuild(rpc, args):
    if args.if_empty and rpc.reporting.offices({"limit": 1})["total"]:  # the district's count of offices
        print("读模型已有数据，未重建")
        return 0
    tags = rpc.reporting.partitions()["partitions"]  # [""]: one writer for everything
    if args.partition is not None:
        if tag_of(args.partition) not in tags:
            print(f"没有这个分区：{args.partition}（现有分区：{'、'.join(t for t in tags if t) or '无，读模型未分区'}）")
            return 2
        tags = [tag_of(args.partition)]
    for tag in tags:
        _rebuild_one(rpc.reporting if not tag else rpc[f"reporting-{tag}"], f"分区 {tag}：" if tag else "", args.page)
    return 0


def _rebuild_one(reporting, label, page):
    """One writer's rebuild: its offices page by page, then its areas' roll-ups."""
    offices = reporting.rebuild_start()
    total = 0
    for number, office in enumerate(offices, start=1):
        after, count = None, 0
        while True:
            step = reporting.rebuild_page(office, after, page)
            count += step["centres"]
            after = step["next"]
            if after is None:
                break
        total += count
        print(f"{label}[{number}/{len(offices)}] {office}：{count} 个中心", flush=True)
    areas = reporting.rebuild_areas()  # the roll-ups of every district, city and province (docs/areas.md)
    print(f"{label}重建完成：{len(offices)} 个街道办事处，{total} 个中心，{areas['districts']} 个区（县）的汇总")
