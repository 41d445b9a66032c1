"""The template's context: every placeholder of the 通报 (docs/bulletin.md lists them) from the figures.

Plain data (text, lists of text, table rows as dicts); the charts are added by ``document.render``."""
from datetime import date

from services.gateway.bulletins import rules
from services.gateway.bulletins.rules import Thresholds
from shared.labels import PHASE_TITLES as PHASE_TEXT

PLAN = "《金水区推进基层综合性文化服务中心建设工作实施方案》"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _more(shown: int, total: int, what: str) -> list[str]:
    return [f"……等 {total} 项{what}（以上列出其中 {shown} 项，完整清单见系统）。"] if total > shown else []


def overall(figures: dict) -> list[str]:
    """The paragraphs of section 一: centres, milestones, what the period added, what is late."""
    period, as_of, totals = figures["period"], figures["as_of"], figures["progress"]["totals"]
    centres = figures["centres"]
    count = sum(o["centres"] for o in figures["offices"])
    text = [f"截至{chinese_date(as_of)}，全区共有基层综合性文化服务中心 {count} 个"
            + (f"，其中已完成全部建设任务 {centres['done']} 个、正在推进 {centres['started']} 个、"
               f"尚未完成任何建设任务 {centres['not_started']} 个。" if centres else "。")]
    done_in_period = totals["done"] - figures["done_before_total"]
    text.append(f"全区共有建设里程碑 {totals['total']} 项，已完成 {totals['done']} 项，完成率 {_pct(totals['percent_done'])}；"
                f"正在推进 {totals['in_progress']} 项，受阻 {totals['blocked']} 项，未开始 {totals['not_started']} 项。"
                f"{period.span}完成里程碑 {done_in_period} 项。")
    text.append(f"截至{chinese_date(as_of)}，全区逾期未完成事项 {figures['overdue']['total']} 项（其中逾期里程碑 "
                f"{totals['overdue']} 项），待整改问题 {figures['rectifications']['total']} 项。")
    phases = {}
    for row in figures["progress"]["rows"]:
        cell = phases.setdefault(row["phase"], {"total": 0, "done": 0})
        cell["total"] += row["total"]
        cell["done"] += row["done"]
    if phases:
        text.append("分阶段看：" + "；".join(
            "{}阶段完成 {} 项、共 {} 项".format(PHASE_TEXT.get(p, str(p)).split("、", 1)[-1], c["done"], c["total"])
            for p, c in sorted(phases.items())) + "。")
    return text


def ranking_rows(figures: dict) -> list[dict]:
    """Table 1: every office in the district's ranking."""
    centres = {o["office"]: o["centres"] for o in figures["offices"]}
    rect = figures["rectifications"]["by_office"]
    return [{"rank": o["rank"], "office": o["office"], "centres": centres.get(o["office"], 0), "total": o["total"],
             "done": o["done"], "done_in_period": o["done"] - figures["done_before"].get(o["office"], 0),
             "overdue": o["overdue"], "rectifications": rect.get(o["office"], 0),
             "percent": f"{o['percent_done']:.1f}"} for o in figures["progress"]["offices"]]


def evaluation_rows(evaluation: dict) -> list[dict]:
    """Table 2: the offices' evaluation of the period, or [] when no office scored and none was surveyed
    (a table of offices all tied at zero says nothing)."""
    items = evaluation.get("items") or []
    if not any(e["score"] or e["responses"] for e in items):
        return []
    return [{"rank": e["rank"], "office": e["office"], "score": f"{e['score']:.1f}",
             "attainment": f"{100 * e['attainment']:.1f}",
             "satisfaction": "—" if e["satisfaction"] is None else f"{100 * e['satisfaction']:.1f}",
             "responses": e["responses"]} for e in items]


def _judged(entries: list[dict], none: str) -> list[str]:
    if not entries:
        return [none]
    return [f"{i}. {e['office']}：{'，'.join(e['reasons'])}。" for i, e in enumerate(entries, 1)]


def overdue_lines(figures: dict) -> list[str]:
    overdue, as_of = figures["overdue"], figures["as_of"]
    if not overdue["total"]:
        return [f"截至{chinese_date(as_of)}，全区无逾期未完成事项。"]
    lines = [f"截至{chinese_date(as_of)}，全区逾期未完成事项共 {overdue['total']} 项，按逾期时间由长到短列出如下："]
    for i, item in enumerate(overdue["items"], 1):
        lines.append(f"{i}. {item['office']}{item['centre_name']}：{item['title']}，应于"
                     f"{chinese_date(date.fromisoformat(item['due']))}前完成，已逾期 {item['days_overdue']} 个工作日；")
    if len(overdue["items"]) == overdue["total"]:
        lines[-1] = lines[-1][:-1] + "。"
    return lines + _more(len(overdue["items"]), overdue["total"], "逾期未完成事项")


def rectification_lines(figures: dict) -> list[str]:
    rect = figures["rectifications"]
    if not rect["total"]:
        return ["全区无待整改问题。"]
    lines = [f"全区待整改问题共 {rect['total']} 项，列出如下："]
    for i, item in enumerate(rect["items"], 1):
        lines.append(f"{i}. {item['office']}{item['centre_name']}：{item.get('title') or '检查发现的问题'}，"
                     f"整改期限{chinese_date(date.fromisoformat(str(item['due'])))}；")
    if len(rect["items"]) == rect["total"]:
        lines[-1] = lines[-1][:-1] + "。"
    return lines + _more(len(rect["items"]), rect["total"], "待整改问题")


def context(figures: dict, thresholds: Thresholds, texts: dict, issued: date) -> dict:
    """Every placeholder but the charts. ``texts``: {district, issuer, recipients, copy_to} (the settings)."""
    period, as_of, progress = figures["period"], figures["as_of"], figures["progress"]
    evaluation = figures["evaluation"]
    by_office = {e["office"]: e for e in evaluation.get("items") or []}
    praised, criticised = rules.judge(progress["offices"], progress["totals"]["percent_done"], by_office, thresholds)
    eval_rows = evaluation_rows(evaluation)
    # the title in two balanced lines (GB/T 9704 7.3.1), the break a line break of its paragraph
    title = f"{texts['district']}基层综合性文化服务中心\n建设进展情况通报（{period.label}）"
    return {
        "issuer": texts["issuer"],
        "district": texts["district"],
        "title": title,
        "recipients": texts["recipients"],
        "period": period.label,
        "period_kind": period.kind_name,
        "span": period.span,
        "as_of": chinese_date(as_of),
        "intro": f"为及时掌握全区基层综合性文化服务中心建设进度，按照{PLAN}关于强化督导检查、定期通报的要求，"
                 f"现将{period.label}全区建设进展情况通报如下。",
        "overall": overall(figures),
        "ranking_intro": f"各街道办事处按建设里程碑完成率排名如下（完成率相同的名次并列，{period.span}完成数为本期新完成的里程碑）。",
        "ranking": ranking_rows(figures),
        "evaluation_intro": (f"按照月评、季评和年度考评要求，{period.label}各街道办事处服务指标考评结果如下"
                             f"（指标完成度 {evaluation['weights']['attainment']} 分、群众满意度 "
                             f"{evaluation['weights']['satisfaction']} 分）。") if eval_rows else
                            f"{period.label}各街道办事处尚无服务指标数据和群众满意度测评结果，本期不作考评排名。",
        "evaluation": eval_rows,
        "rule_text": f"根据{PLAN}“对群众满意度差的街道办事处进行通报批评，对群众满意度高的街道办事处给予表扬”"
                     f"和月评、季评、年度考评的要求：{thresholds.praise_text()}的，予以表扬；"
                     f"{thresholds.criticise_text()}的，予以通报批评。",
        "praised": _judged(praised, f"{period.label}无符合表扬条件的街道办事处。"),
        "criticised": _judged(criticised, f"{period.label}无应予通报批评的街道办事处。"),
        "praised_offices": [e["office"] for e in praised],
        "criticised_offices": [e["office"] for e in criticised],
        "overdue": overdue_lines(figures),
        "rectifications": rectification_lines(figures),
        "issue_date": chinese_date(issued),
        "copy_to": texts["copy_to"],
    }
