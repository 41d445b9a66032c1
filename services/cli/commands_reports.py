"""``cctrack reports rebuild``: rebuild the read model (reporting service) from the services' stores."""


def register(sub):
    reports = sub.add_parser("reports", help="统计报表（读模型）").add_subparsers(dest="what", required=True)
    p = reports.add_parser("rebuild", help="从各服务的数据重建统计读模型（按街道分页，显示进度）")
    p.add_argument("--page", type=int, default=200, help="每页中心数（1-1000）")
    p.add_argument("--if-empty", action="store_true", help="读模型已有数据时不重建")
    p.set_defaults(func=rebuild)


def rebuild(rpc, args):
    if args.if_empty and rpc.reporting.offices({"limit": 1})["total"]:  # the district's count of offices
        print("读模型已有数据，未重建")
        return 0
    offices = rpc.reporting.rebuild_start()
    total = 0
    for number, office in enumerate(offices, start=1):
        after, count = None, 0
        while True:
            step = rpc.reporting.rebuild_page(office, after, args.page)
            count += step["centres"]
            after = step["next"]
            if after is None:
                break
        total += count
        print(f"[{number}/{len(offices)}] {office}：{count} 个中心", flush=True)
    areas = rpc.reporting.rebuild_areas()  # the roll-ups of every district, city and province (docs/areas.md)
    print(f"重建完成：{len(offices)} 个街道办事处，{total} 个中心，{areas['districts']} 个区（县）的汇总")
    return 0
