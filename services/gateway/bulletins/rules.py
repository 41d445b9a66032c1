"""Whom the 通报 praises and whom it criticises, by explicit rules.

Seed 003 section 四(四): offices whose centres residents are poorly satisfied with are criticised in a
通报 (通报批评), those with high satisfaction praised and their experience spread; seed 001: the
bureau evaluates every month, quarter and year (月评、季评、年度考评). The rules combine the
period's construction progress (percent of milestones done, the district's ranking) and its overdue
milestones with the residents' satisfaction of the same period (the indicators' evaluation):

- 表扬: among the first ``praise_top`` places by percent done, above zero and not below the district's
  percent done, no overdue milestone, and (where satisfaction was measured from at least
  ``min_responses`` responses) satisfaction of at least ``praise_min_satisfaction`` %;
- 通报批评: any of — among the last ``criticise_bottom`` places with percent done below the district's;
  at least ``criticise_overdue`` overdue milestones; satisfaction (measured) below
  ``criticise_satisfaction`` %. An office criticised is never praised.

A place counts ties fairly: an office is among the first N when fewer than N offices have a higher
percent done, among the last N when fewer than N have a lower one.
"""
from dataclasses import dataclass

from shared.settings import settings


@dataclass(frozen=True)
class Thresholds:
    """The rules' numbers; their values live in the settings (shared/settings.py, BULLETIN_*), nowhere else."""

    praise_top: int
    praise_min_satisfaction: float
    criticise_bottom: int
    criticise_overdue: int
    criticise_satisfaction: float
    min_responses: int

    @classmethod
    def configured(cls) -> "Thresholds":
        """The thresholds of the settings (shared/settings.py, BULLETIN_*)."""
        now = settings()
        return cls(praise_top=now.bulletin_praise_top, praise_min_satisfaction=now.bulletin_praise_min_satisfaction,
                   criticise_bottom=now.bulletin_criticise_bottom, criticise_overdue=now.bulletin_criticise_overdue,
                   criticise_satisfaction=now.bulletin_criticise_satisfaction, min_responses=now.bulletin_min_responses)

    def praise_text(self) -> str:
        return (f"完成率居全区前 {self.praise_top} 位、高于零且不低于全区平均水平，无逾期未完成事项，"
                f"且开展群众满意度测评（有效评价不少于 {self.min_responses} 份）的满意度不低于 "
                f"{_number(self.praise_min_satisfaction)}%")

    def criticise_text(self) -> str:
        return (f"完成率居全区后 {self.criticise_bottom} 位且低于全区平均水平，或逾期未完成里程碑达到 "
                f"{self.criticise_overdue} 项及以上，或群众满意度低于 {_number(self.criticise_satisfaction)}%"
                f"（有效评价不少于 {self.min_responses} 份）")


def _number(value: float) -> str:
    return f"{value:g}"


def measured_satisfaction(entry: dict | None, thresholds: Thresholds) -> float | None:
    """The office's satisfaction in % from its evaluation entry (``indicators.ranking`` item), or None when
    it was not measured from enough responses."""
    if not entry or entry.get("satisfaction") is None or (entry.get("responses") or 0) < thresholds.min_responses:
        return None
    return round(100 * entry["satisfaction"], 1)


def judge(offices: list[dict], district_percent: float, evaluation: dict[str, dict],
          thresholds: Thresholds) -> tuple[list[dict], list[dict]]:
    """(praised, criticised): [{office, reasons: [text]}] in the ranking's order.

    ``offices``: the district's ranking [{office, percent_done, overdue, ...}] (every office);
    ``evaluation``: {office: indicators ranking entry} for the period (may be empty)."""
    percents = [o["percent_done"] for o in offices]
    praised, criticised = [], []
    for o in offices:
        ahead = sum(1 for p in percents if p > o["percent_done"])
        behind = sum(1 for p in percents if p < o["percent_done"])
        satisfaction = measured_satisfaction(evaluation.get(o["office"]), thresholds)
        faults = []
        if behind < thresholds.criticise_bottom and o["percent_done"] < district_percent:
            faults.append(f"完成率 {o['percent_done']:.1f}%，居全区后 {thresholds.criticise_bottom} 位，"
                          f"低于全区平均水平（{district_percent:.1f}%）")
        if o["overdue"] >= thresholds.criticise_overdue:
            faults.append(f"逾期未完成里程碑 {o['overdue']} 项")
        if satisfaction is not None and satisfaction < thresholds.criticise_satisfaction:
            faults.append(f"群众满意度 {satisfaction:.1f}%，低于 {_number(thresholds.criticise_satisfaction)}%")
        if faults:
            criticised.append({"office": o["office"], "reasons": faults})
            continue
        if (ahead < thresholds.praise_top and o["percent_done"] > 0 and o["percent_done"] >= district_percent
                and o["overdue"] == 0 and (satisfaction is None or satisfaction >= thresholds.praise_min_satisfaction)):
            merits = [f"完成率 {o['percent_done']:.1f}%，居全区第 {ahead + 1} 位", "无逾期未完成事项"]
            if satisfaction is not None:
                merits.append(f"群众满意度 {satisfaction:.1f}%")
            praised.append({"office": o["office"], "reasons": merits})
    return praised, criticised
