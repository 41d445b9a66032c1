"""``cctrack indicators list|status|ranking``, ``cctrack monthly submit|show|start``, ``cctrack survey import|results``."""
import json
import sys

from services.cli import files
from services.cli.table import render
from shared import labels
from shared.schemas.indicators import METRICS


def register(sub):
    ind = sub.add_parser("indicators", help="各文件的服务指标及完成情况").add_subparsers(dest="what", required=True)
    p = ind.add_parser("list", help="列出指标（含来源条款）")
    p.add_argument("--document", choices=("000", "001", "002", "003", "004"))
    p.set_defaults(func=list_indicators)
    p = ind.add_parser("status", help="指标进度、期末预计和状态")
    p.add_argument("--office")
    p.add_argument("--centre")
    p.add_argument("--document")
    p.add_argument("--status", choices=sorted(labels.INDICATOR_STATUSES))
    p.add_argument("--as-of", help="统计截至日期 YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=status)
    p = ind.add_parser("ranking", help="街道办事处考评排名")
    p.add_argument("--period", choices=("month", "quarter", "year"), default="year")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--number", type=int, help="月份（1-12）或季度（1-4）")
    p.set_defaults(func=ranking)

    p = ind.add_parser("area", help="一个区划的本级指标：市的各项指标（由各区县报送汇总）及各区县排名，区县的报送和本级指标")
    p.add_argument("area", help="区划代码，如 4101（市）或 410105（区县）")
    p.add_argument("--year", type=int)
    p.set_defaults(func=area_indicators)
    p = ind.add_parser("recount", help="按各区县的报送记录补齐当前数据并重算市的汇总（与实时汇总一致时不变）")
    p.add_argument("city", help="市的区划代码，如 4101")
    p.add_argument("year", type=int)
    p.set_defaults(func=recount)

    mon = sub.add_parser("monthly", help="月度服务数据").add_subparsers(dest="what", required=True)
    p = mon.add_parser("submit", help="填报或更正一个中心某月的数据（以管理员身份）")
    p.add_argument("centre")
    p.add_argument("month", help="YYYY-MM")
    p.add_argument("figures", nargs="+", metavar="名称=数值", help="例如 activities=3 participants=120；可用："
                   + "、".join(METRICS))
    p.add_argument("--note", default="")
    p.set_defaults(func=submit)
    p = mon.add_parser("show", help="一个中心某月的数据及历史版本")
    p.add_argument("centre")
    p.add_argument("month")
    p.set_defaults(func=show)
    p = mon.add_parser("start", help="设置起报月份：此后缺报的月报计入逾期事项")
    p.add_argument("month", help="YYYY-MM")
    p.set_defaults(func=start)

    sur = sub.add_parser("survey", help="群众满意度").add_subparsers(dest="what", required=True)
    p = sur.add_parser("import", help="导入第三方测评结果（.csv 或 .xlsx）")
    p.add_argument("file")
    p.set_defaults(func=import_survey)
    p = sur.add_parser("results", help="满意度结果（中心、街道或全区；月、季度或年）")
    p.add_argument("--centre")
    p.add_argument("--office")
    p.add_argument("--month")
    p.add_argument("--quarter", type=int, choices=(1, 2, 3, 4))
    p.add_argument("--year", type=int)
    p.set_defaults(func=results)


def list_indicators(rpc, args):
    rows = [[i["id"], i["title"], i["applies_to"]["scope"], i["period"], i["target"], i["unit"],
             i["source"]["clause"]] for plan in rpc.indicators.list_plans(args.document) for i in plan["indicators"]]
    print(render(["编号", "指标", "对象", "周期", "目标", "单位", "来源条款"], rows))
    return 0


def area_indicators(rpc, args):
    view = rpc.indicators.area_indicators({"area": args.area, "year": args.year})
    print("{} · {} 年（截至 {}）".format(view["area"]["name"], view["year"], view["as_of"]))
    if view["note"]:
        print(view["note"])
    own = ((view["report"] or {}).get("rows") or []) + view["own"]
    rows = [[q["indicator_id"], q["title"], q["value"], q["target"], "{}/{}".format(q["reported"], q["districts"]),
             labels.INDICATOR_STATUSES[q["status"]]] for q in view["quotas"]]
    rows += [[r["indicator_id"], r["title"], r["value"], r["target"], "", labels.INDICATOR_STATUSES[r["status"]]]
             for r in own]
    if rows:
        print(render(["编号", "指标", "完成", "目标", "已报送区县", "状态"], rows))
    if view["ranking"]:
        print(render(["名次", "区县", "得分", "报送"], [[e["rank"] or "", e["name"], e["score"] if e["score"] is not None
                                                      else "", e["status"]] for e in view["ranking"]]))
    if view["report"]:
        print("报送：{}".format(view["report"]["status"]))
    return 0


def recount(rpc, args):
    out = rpc.indicators.recount_area_reports(args.city, args.year)
    print("{} {} 年：{} 个区县已报送，已重算汇总".format(out["city"], out["year"], len(out["districts"])))
    return 0


def status(rpc, args):
    query = {k: v for k, v in (("office", args.office), ("centre_id", args.centre), ("document", args.document),
                               ("status", args.status), ("as_of", args.as_of), ("limit", args.limit)) if v}
    result = rpc.indicators.status(query)
    rows = [[r["subject_name"], r["indicator_id"], r["title"], r["value"], r["projection"], r["target"],
             labels.INDICATOR_STATUSES[r["status"]]] for r in result["items"]]
    print(render(["对象", "编号", "指标", "完成", "预计", "目标", "状态"], rows))
    print("截至 {}：{}".format(result["as_of"], "，".join(f"{labels.INDICATOR_STATUSES[k]} {v}"
                                                       for k, v in sorted(result["by_status"].items()))))
    return 0


def ranking(rpc, args):
    query = {"period": args.period, "year": args.year}
    if args.number:
        query["number"] = args.number
    result = rpc.indicators.ranking(query)
    rows = [[e["rank"], e["office"], e["score"], e["attainment"], e["satisfaction"], e["responses"], e["achieved"],
             e["at_risk"], e["missed"]] for e in result["items"]]
    print(render(["名次", "街道办事处", "得分", "完成度", "满意度", "评价数", "达成", "落后", "未达成"], rows))
    return 0


def submit(rpc, args):
    from services.cli.main import actor

    figures = {}
    for pair in args.figures:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"错误：数据应写成 名称=数值，收到“{pair}”", file=sys.stderr)
            return 1
        figures[name.strip()] = value.strip()
    saved = rpc.indicators.submit_monthly({"centre_id": args.centre, "month": args.month, "figures": figures,
                                           "note": args.note}, actor())
    print("已保存 {} {} 第 {} 版{}".format(saved["centre_id"], saved["month"], saved["version"],
                                      "（逾期报送）" if saved["late"] else ""))
    return 0


def show(rpc, args):
    result = rpc.indicators.get_monthly(args.centre, args.month)
    print("{} {}，截止 {}".format(result["centre"]["name"], result["month"], result["due"]))
    for h in result["history"]:
        print("第 {} 版 {} {}".format(h["version"], h["at"], json.dumps(h["figures"], ensure_ascii=False)))
    return 0


def start(rpc, args):
    result = rpc.indicators.set_reporting_start(args.month)
    print("起报月份 {}，首次截止 {}（次月第 {} 个工作日）".format(result["reporting_from"], result["first_due"],
                                                     result["due_workday"]))
    return 0


def import_survey(rpc, args):
    upload = files.table(args.file)
    if upload is None:
        return 1
    result = rpc.indicators.import_survey({"filename": upload["filename"], "content_b64": upload["content_b64"]})
    print(result["message"])
    return 0


def results(rpc, args):
    query = {k: v for k, v in (("centre_id", args.centre), ("office", args.office), ("month", args.month),
                               ("quarter", args.quarter), ("year", args.year)) if v}
    result = rpc.indicators.survey_results(query)
    print("{}：评价 {} 份，满意率 {}%".format(result["period"], result["responses"], result["satisfaction_rate"]))
    if result["scope"] == "district":
        rows, head = [[o["office"], o["responses"], o["average"]["overall"], o["satisfaction_rate"]]
                      for o in result["offices"]], "街道办事处"
    else:
        rows, head = [[c["centre_id"], c["responses"], c["average"]["overall"], c["satisfaction_rate"]]
                      for c in result["centres"]], "中心"
    print(render([head, "评价数", "总体平均分", "满意率%"], rows))
    return 0
