"""Reading and checking an allocation table (任务分配表), from CSV or Excel.

Plain Python, no broker or store: ``parse_table`` turns file bytes into
centre dicts or a complete list of row errors; ``diff`` compares them with what
is stored. The importer writes nothing unless every row is valid.
"""
import csv
import io
import re
from datetime import date

from marshmallow import ValidationError

from shared.errors import InvalidInput, PayloadTooLarge
from shared.schemas.assignment import CentreSchema
from shared.schemas.common import DATE_MAX, DATE_MIN

# Column headers accepted, Chinese first (the template people fill in), English too.
HEADERS = {
    "id": ("编号", "id"),
    "name": ("中心名称", "名称", "name"),
    "level": ("级别", "level"),
    "office": ("街道办事处", "街道", "office"),
    "deadline": ("完成时限", "deadline"),
    "pilot": ("试点", "pilot"),
    "remark": ("备注", "remark"),
    "lng": ("经度", "lng"),
    "lat": ("纬度", "lat"),
}
REQUIRED = ("id", "name", "level", "office", "deadline")
LEVEL_WORDS = {
    "街道": "subdistrict", "街道级": "subdistrict", "乡镇": "subdistrict", "subdistrict": "subdistrict",
    "社区": "community", "社区级": "community", "community": "community",
    "村": "village", "村级": "village", "行政村": "village", "village": "village",
}
YES = {"是", "试点", "y", "yes", "true", "1"}
NO = {"", "否", "n", "no", "false", "0"}
# A province's table in one file: about 50,000 centres (a generated 100,000-row CSV is 6.8 MB, under the
# gateway's 10 MiB MAX_UPLOAD_BYTES; larger files go through the CLI, which talks to the service directly).
MAX_ROWS = 100_000
MAX_BYTES = 64 * 1024 * 1024


def parse_deadline(text):
    """'2017.06', '2017-06', '2017年6月' mean the end of that month; full dates are kept."""
    text = str(text).strip()
    m = re.fullmatch(r"(\d{4})[.\-/年](\d{1,2})(?:[.\-/月](\d{1,2})日?|月)?", text)
    if not m:
        raise ValueError(f"完成时限“{text}”无法识别，应为 2017.06 或 2017-06-30 的形式")
    year, month = int(m.group(1)), int(m.group(2))
    if not DATE_MIN.year <= year <= DATE_MAX.year:
        raise ValueError(f"完成时限“{text}”的年份应在 {DATE_MIN.year} 到 {DATE_MAX.year} 之间")
    if m.group(3):
        return date(year, month, int(m.group(3)))
    if not 1 <= month <= 12:
        raise ValueError(f"完成时限“{text}”的月份无效")
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(next_month.toordinal() - 1)


def _read_csv(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"CSV 文件不是 UTF-8 编码（第 {exc.start + 1} 字节处无法解码），请在 Excel 中另存为“CSV UTF-8”后重试",
            {"file": ["not UTF-8"]},
        ) from None
    return list(csv.reader(io.StringIO(text)))


def _read_xlsx(content):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises several unrelated types for a bad file
        raise InvalidInput("无法读取 Excel 文件，请确认是 .xlsx 格式", {"file": ["not a readable .xlsx workbook"]}) from None
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)) for v in values])
    book.close()
    return rows


def read_rows(filename, content):
    """Rows of cells (strings) from a .csv or .xlsx file."""
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        return _read_csv(content)
    if lower.endswith(".xlsx"):
        return _read_xlsx(content)
    raise InvalidInput(f"不支持的文件类型“{filename}”，请上传 .csv 或 .xlsx 文件", {"file": ["expected .csv or .xlsx"]})


def _columns(header):
    cells = [c.strip() for c in header]
    columns, missing = {}, []
    for key, names in HEADERS.items():
        for name in names:
            if name in cells:
                columns[key] = cells.index(name)
                break
        else:
            if key in REQUIRED:
                missing.append("/".join(names[:1] + names[-1:]))
    if missing:
        raise InvalidInput("表头缺少列：{}".format("、".join(missing)), {"header": ["missing columns: " + ", ".join(missing)]})
    return columns


def parse_table(filename, content):
    """Centre dicts from a table, or InvalidInput listing every bad row (line, field, message)."""
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请按街道办事处拆分后分批导入",
                              {"file": [f"larger than {MAX_BYTES} bytes"]})
    rows = read_rows(filename, content)
    if not rows:
        raise InvalidInput("文件为空", {"file": ["empty"]})
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(f"行数超过上限 {MAX_ROWS}，请按街道办事处拆分后分批导入", {"file": ["too many rows"]})
    columns = _columns(rows[0])
    schema = CentreSchema()
    centres, errors, seen = [], [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in row):
            continue
        raw = {key: str(row[columns[key]]).strip() if key in columns and columns[key] < len(row) else "" for key in HEADERS}
        row_errors = []
        level = LEVEL_WORDS.get(raw["level"].lower() if raw["level"].isascii() else raw["level"])
        if raw["level"] and level is None:
            row_errors.append(("level", "级别“{}”无效，应为 街道、社区 或 村".format(raw["level"])))
        pilot = raw["pilot"].lower()
        if pilot not in YES | NO:
            row_errors.append(("pilot", "试点“{}”无效，应为 是 或 否".format(raw["pilot"])))
        lat, lng = _coordinate(raw, "lat", -90, 90, row_errors), _coordinate(raw, "lng", -180, 180, row_errors)
        if (lat is None) != (lng is None) and not any(f in ("lat", "lng") for f, _ in row_errors):
            row_errors.append(("lat" if lat is None else "lng", "经度和纬度须同时填写，或同时留空"))
        deadline = None
        if raw["deadline"]:
            try:
                deadline = parse_deadline(raw["deadline"]).isoformat()
            except ValueError as exc:
                row_errors.append(("deadline", str(exc)))
        candidate = {
            "id": raw["id"], "name": raw["name"], "level": level or raw["level"] or None,
            "office": raw["office"], "deadline": deadline, "pilot": pilot in YES, "remark": raw["remark"],
            "lat": lat, "lng": lng,
        }
        try:
            centre = schema.load({k: v for k, v in candidate.items() if v not in ("", None)})
        except ValidationError as exc:
            for field, messages in exc.messages.items():
                if not any(f == field for f, _ in row_errors):
                    row_errors.append((field, _explain(field, messages)))
            centre = None
        if raw["id"] in seen:
            row_errors.append(("id", "编号“{}”与第 {} 行重复".format(raw["id"], seen[raw["id"]])))
        elif raw["id"]:
            seen[raw["id"]] = line
        if row_errors:
            errors.extend({"line": line, "field": f, "message": m} for f, m in row_errors)
        elif centre is not None:
            centres.append(centre)
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)} 处错误，未写入任何数据", errors)
    if not centres:
        raise InvalidInput("文件中没有数据行", {"file": ["no data rows"]})
    return centres


FIELD_NAMES = {"id": "编号", "name": "中心名称", "level": "级别", "office": "街道办事处", "deadline": "完成时限", "pilot": "试点", "remark": "备注",
               "lat": "纬度", "lng": "经度"}


def _coordinate(raw, key, low, high, row_errors):
    """A latitude or longitude cell as a float (WGS-84 degrees); empty is None; a bad one is a row error."""
    text = raw[key].replace("°", "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        row_errors.append((key, "{}“{}”无效，应为 {} 到 {} 之间的度数（如 {}）".format(
            FIELD_NAMES[key], raw[key], low, high, "34.7466" if key == "lat" else "113.6253")))
        return None
    return value


def keep_location(centre, stored):
    """A row without coordinates keeps the ones stored (set by the bureau or an earlier import)."""
    if centre.get("lat") is not None or stored is None or stored.get("lat") is None:
        return centre
    return {**centre, "lat": stored["lat"], "lng": stored["lng"]}


def _explain(field, messages):
    label = FIELD_NAMES.get(field, field)
    text = "；".join(str(m) for m in messages)
    if "Missing data" in text:
        return f"{label}不能为空"
    return f"{label}：{text}"


COMPARED = ("name", "level", "office", "deadline", "pilot", "remark", "lat", "lng")


def diff(incoming, stored):
    """Compare parsed centres with stored ones (both keyed by id).

    Returns dict(added, changed, moved, unchanged, absent); ``moved`` are
    centres whose office changed (also counted in ``changed``).
    """
    added, changed, moved, unchanged = [], [], [], 0
    for centre in incoming:
        old = stored.get(centre["id"])
        if old is None:
            added.append(centre["id"])
            continue
        differing = [f for f in COMPARED if _norm(old.get(f)) != _norm(centre.get(f))]
        if not differing:
            unchanged += 1
            continue
        changed.append(centre["id"])
        if "office" in differing:
            moved.append(centre["id"])
    ids = {c["id"] for c in incoming}
    absent = sorted(i for i in stored if i not in ids)
    return {"added": added, "changed": changed, "moved": moved, "unchanged": unchanged, "absent": absent}


def _norm(value):
    if isinstance(value, date):
        return value.isoformat()
    return value if value is not None else ""
