"""The period of a 通报: a month ("2018-03"), a quarter ("2018-Q1") or a year ("2018")."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from shared.errors import InvalidInput

PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:(?P<month>[0-9]{2})|[Qq](?P<quarter>[0-9])))?$")
FORMAT_HINT = "时段格式应为 2018-03（月）、2018-Q1（季度）或 2018（年）"
QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
KIND_NAMES = {"month": "月度", "quarter": "季度", "year": "年度"}


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int
    number: int | None  # the month (1-12) or the quarter (1-4); None for a year
    start: date
    end: date

    @property
    def key(self) -> str:
        """The period as written in the URL: 2018-03, 2018-Q1, 2018."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return f"{self.year}-Q{self.number}" if self.kind == "quarter" else str(self.year)

    @property
    def label(self) -> str:
        """The period in words: 2018年3月, 2018年第一季度, 2018年."""
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        return f"{self.year}年{QUARTER_NAMES[self.number]}" if self.kind == "quarter" else f"{self.year}年"

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def span(self) -> str:
        """Where "本月", "本季度" or "本年度" is meant."""
        return {"month": "本月", "quarter": "本季度", "year": "本年度"}[self.kind]

    def as_of(self, today: date) -> date:
        """The day the figures are taken: the period's last day, or today while it runs."""
        return min(self.end, today)

    def ranking_query(self) -> dict:
        """The query of the indicators' evaluation ranking (月评、季评、年度考评) for this period."""
        query = {"period": self.kind, "year": self.year}
        if self.number is not None:
            query["number"] = self.number
        return query


def _last_day(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def parse(text: str, today: date | None = None) -> Period:
    """The period ``text`` names; InvalidInput (400, in Chinese) for a malformed one, a month or quarter out of
    range, or (with ``today``) a period that has not begun."""
    match = PATTERN.match(text or "")
    if not match:
        raise InvalidInput(FORMAT_HINT, {"period": [FORMAT_HINT]})
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000 到 2100 之间", {"period": ["年份应在 2000 到 2100 之间"]})
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise InvalidInput("月份应为 01 到 12", {"period": ["月份应为 01 到 12"]})
        period = Period("month", year, month, date(year, month, 1), _last_day(year, month))
    elif match["quarter"]:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise InvalidInput("季度应为 Q1 到 Q4", {"period": ["季度应为 Q1 到 Q4"]})
        period = Period("quarter", year, quarter, date(year, 3 * quarter - 2, 1), _last_day(year, 3 * quarter))
    else:
        period = Period("year", year, None, date(year, 1, 1), date(year, 12, 31))
    if today is not None and period.start > today:
        message = f"{period.label}尚未开始，不能生成通报"
        raise InvalidInput(message, {"period": [message]})
    return period
