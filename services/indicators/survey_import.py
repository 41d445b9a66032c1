"""Importing satisfaction results from an outside evaluator (第三方测评, 003 四(四)), CSV or XLSX.

Every row is checked first; any bad row (with its line and reason) means nothing is written.
"""
import csv
import io
from datetime import date

from services.indicators.survey import QUESTION_KEYS, Answer, clean_ratings, response_doc
from shared.errors import InvalidInput
from shared.schemas.common import DAY_TEXT, in_date_range

HEADERS = {
    "centre_id": ("中心编号", "centre_id"), "date": ("日期", "date"),
    "facilities": ("设施设备", "facilities"), "service": ("服务规范", "service"),
    "activities": ("活动内容", "activities"), "opening": ("开放时间", "opening"),
    "overall": ("总体满意度", "overall"), "comment": ("意见建议", "comment"),
}
REQUIRED = ("centre_id", "date") + QUESTION_KEYS
MAX_ROWS = 20000


def read_rows(filename, content):
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        try:
            return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        except UnicodeDecodeError:
            raise InvalidInput("CSV 文件不是 UTF-8 编码，请另存为“CSV UTF-8”后重试", {"file": ["not UTF-8"]}) from None
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises several unrelated types for a bad file
            raise InvalidInput("无法读取 Excel 文件，请确认是 .xlsx 格式", {"file": ["not a readable .xlsx"]}) from None
        rows = [["" if v is None else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)) for v in r]
                for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    raise InvalidInput(f"不支持的文件类型“{filename}”，请上传 .csv 或 .xlsx 文件", {"file": ["expected .csv or .xlsx"]})


def _columns(header):
    cells = [str(c).strip() for c in header]
    columns = {key: next((cells.index(n) for n in names if n in cells), None) for key, names in HEADERS.items()}
    missing = [HEADERS[k][0] for k in REQUIRED if columns[k] is None]
    if missing:
        raise InvalidInput("表头缺少列：{}".format("、".join(missing)), {"header": ["missing: " + ", ".join(missing)]})
    return columns


def parse(filename, content, find_centre, today, now):
    """Response documents for every row, or InvalidInput listing every bad row ({line, field, message})."""
    rows = read_rows(filename, content)
    if not rows or not any(c.strip() for c in rows[0]):
        raise InvalidInput("文件为空", {"file": ["empty"]})
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(f"行数过多（上限 {MAX_ROWS} 行）", {"file": ["too many rows"]})
    columns = _columns(rows[0])
    docs, errors, centres = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        cell = {k: (row[i].strip() if i is not None and i < len(row) else "") for k, i in columns.items()}
        if not any(cell.values()):
            continue
        centre_id = cell["centre_id"]
        if centre_id not in centres:
            centres[centre_id] = find_centre(centre_id) if centre_id else None
        centre = centres[centre_id]
        if centre is None:
            errors.append({"line": line, "field": "centre_id", "message": f"中心“{centre_id}”不存在"})
        try:
            day = date.fromisoformat(cell["date"][:10])
            if day > today:
                errors.append({"line": line, "field": "date", "message": f"日期 {day} 晚于今天"})
            elif not in_date_range(day):
                errors.append({"line": line, "field": "date", "message": DAY_TEXT})
        except ValueError:
            day = None
            errors.append({"line": line, "field": "date", "message": "日期“{}”格式应为 YYYY-MM-DD".format(cell["date"])})
        ratings, bad = clean_ratings({k: cell[k] for k in QUESTION_KEYS}, prefix="")
        errors.extend({"line": line, "field": f, "message": m[0]} for f, m in bad.items())
        if centre is not None and day is not None and not bad:
            docs.append(response_doc(centre, Answer(ratings, cell["comment"][:500]), day.isoformat(), "import:" + filename,
                                     now))
    if errors:
        raise InvalidInput(f"导入文件有 {len(errors)} 处错误，未写入任何数据", errors)
    if not docs:
        raise InvalidInput("文件中没有数据行", {"file": ["no rows"]})
    return docs
