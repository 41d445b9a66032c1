"""The inspector's printable documents as .docx (python-docx), made PDF by services/gateway/pdf.py:

- the 验收单 (inspection record): the centre, its office, the date, the inspector, each applicable item of
  the standard with its requirement, the measured value and the verdict, the overall result, the note and
  the signatures;
- the 整改通知书 (rectification notice) to the office: the items the inspection failed that are still to be
  rectified, what to fix for each, the due date, and how the rectification is closed.

Both are A4 in the fonts the bureau's computers have (宋体, 黑体, 仿宋; fonts.conf maps them to Debian's CJK
fonts). Everything printed is in Chinese: item names, option names, units and labels, never a code.
"""
import io
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from shared import labels

SONG, HEI, FANG = "宋体", "黑体", "仿宋"
LATIN = "Times New Roman"


def _day(value) -> str:
    """2019-07-15 (or a date) as 2019年7月15日."""
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def _number(value) -> str:
    """A number as printed: 300, 0.8 (no trailing zeros)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _fonts(run, east_asia: str, size: float, bold: bool = False) -> None:
    run.font.name = LATIN
    run.font.size = Pt(size)
    run.font.bold = bold
    props = run._element.get_or_add_rPr()
    fonts = props.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        props.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph(container, text: str, font: str = SONG, size: float = 12, *, bold: bool = False,  # noqa: PLR0913 (a keyword per paragraph property)
               align=None, before: float = 0, after: float = 4):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    _fonts(paragraph.add_run(text), font, size, bold)
    return paragraph


def _cell(cell, text: str, *, bold: bool = False, size: float = 10.5, align=None) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    _fonts(paragraph.add_run(text), HEI if bold else SONG, size, bold)


def _widths(table, widths: list[float]) -> None:
    """Fixed column widths (mm), in the grid LibreOffice reads and on every cell Word reads."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def _table(document, head: list[str], rows: list[list[str]], widths: list[float]):
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        _cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row in rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _cell(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if index == 0 else None)
    _widths(table, widths)
    return table


def _document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(20)
    _fonts(document.styles["Normal"], SONG, 12)
    return document


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def requirement(item: dict, standard_item: dict | None) -> str:
    """What the standard requires of an item, in words: "≥ 100 m²", "须有：图书阅览室、…", its clause."""
    kind, unit = item.get("kind"), item.get("unit") or ""
    if kind in ("number_at_least", "count_at_least") and item.get("threshold") is not None:
        return f"不低于 {_number(item['threshold'])} {unit}".strip()
    if kind == "required_set":
        names = [o["name"] for o in (standard_item or {}).get("required") or []]
        return "须具备：" + "、".join(names) if names else (standard_item or {}).get("text") or ""
    if kind == "no_incident":
        return "无" + (item.get("name") or "")
    return (standard_item or {}).get("text") or "符合标准"


def measured(item: dict, standard_item: dict | None) -> str:
    """The measured value as read on site: "80 m²", "具备：…；缺少：…", 符合 / 不符合."""
    value, kind, unit = item.get("measured"), item.get("kind"), item.get("unit") or ""
    if value is None:
        return "未填"
    if kind == "required_set":
        required = (standard_item or {}).get("required") or []
        present = [o["name"] for o in required if o["id"] in value]
        lacking = [o["name"] for o in required if o["id"] not in value]
        parts = (["具备：" + "、".join(present)] if present else []) + (["缺少：" + "、".join(lacking)] if lacking else [])
        return "；".join(parts) or "均不具备"
    if kind == "yes_no":
        return "符合" if value else "不符合"
    return f"{_number(value)} {unit}".strip()


def verdict(item: dict) -> str:
    name = labels.name(labels.ITEM_STATUSES, item.get("status"))
    return name if item.get("mandatory", True) else name + "（非必查）"


def to_fix(item: dict, standard_item: dict | None) -> str:
    """What the office must do about a failed item."""
    kind, name, unit = item.get("kind"), item.get("name") or "", item.get("unit") or ""
    if kind in ("number_at_least", "count_at_least") and item.get("threshold") is not None:
        return f"将{name}提高到不低于 {_number(item['threshold'])} {unit}（实测 {measured(item, standard_item)}）"
    if kind == "required_set":
        required = (standard_item or {}).get("required") or []
        lacking = [o["name"] for o in required if o["id"] not in (item.get("measured") or [])]
        return "补齐" + "、".join(lacking) if lacking else "按标准配齐" + name
    if kind == "no_incident":
        return f"消除{name}隐患，杜绝再次发生"
    return "按标准整改：" + ((standard_item or {}).get("text") or name)


def _by_id(standard: dict | None) -> dict:
    return {i["id"]: i for i in (standard or {}).get("items") or []}


def _inspector(actor: dict | None) -> str:
    actor = actor or {}
    return actor.get("name") or labels.name(labels.ROLES, actor.get("role"))


def record_docx(inspection: dict, standard: dict | None) -> bytes:
    """The 验收单 of one inspection; ``standard``: the standard it was judged by (GET /api/standards/{level})."""
    items = _by_id(standard)
    kind = labels.name(labels.INSPECTION_KINDS, inspection.get("kind"))
    document = _document()
    _paragraph(document, "基层综合性文化服务中心检查验收单", HEI, 20, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    info = document.add_table(rows=4, cols=4)
    info.style = "Table Grid"
    level = labels.name(labels.LEVELS, inspection.get("level"))
    cells = [("中心名称", inspection.get("centre_name") or ""), ("所属街道办事处", inspection.get("office") or ""),
             ("中心级别", f"{level}级" if level else ""), ("检查类型", kind),
             ("检查日期", _day(inspection.get("inspected_on"))), ("检查人员", _inspector(inspection.get("actor"))),
             ("建设标准", (standard or {}).get("title") or ""), ("综合判定",
                                                              labels.name(labels.INSPECTION_RESULTS, inspection.get("result")))]
    for index, (label, value) in enumerate(cells):
        row, col = divmod(index, 2)
        _cell(info.rows[row].cells[col * 2], label, bold=True)
        _cell(info.rows[row].cells[col * 2 + 1], value)
    _widths(info, [28, 57, 30, 55])
    _paragraph(document, "逐项检查结果", HEI, 14, before=12, after=6)
    rows = []
    applicable = [i for i in inspection.get("items") or [] if i.get("status") != "not_applicable"]
    for number, item in enumerate(applicable, 1):
        standard_item = items.get(item.get("item_id"))
        rows.append([str(number), item.get("name") or "", requirement(item, standard_item),
                     measured(item, standard_item), verdict(item)])
    _table(document, ["序号", "检查项目", "标准要求", "实测情况", "判定"], rows, [12, 36, 50, 50, 22])
    failed = [i for i in applicable if i.get("status") == "fail" and i.get("mandatory", True)]
    conclusion = "综合判定：" + labels.name(labels.INSPECTION_RESULTS, inspection.get("result"))
    if failed:
        conclusion += "。不合格项 {} 项：{}，已开具整改通知书".format(len(failed), "、".join(i["name"] for i in failed))
    _paragraph(document, conclusion + "。", SONG, 12, before=10)
    photos = sum(len(files) for files in (inspection.get("photos") or {}).values())
    if photos:
        _paragraph(document, f"现场照片 {photos} 张，随检查记录存档。", SONG, 12)
    if inspection.get("note"):
        _paragraph(document, "检查说明：" + inspection["note"], SONG, 12)
    _signatures(document, [("检查人员（签字）：", "日期："), ("中心负责人（签字）：", "日期："),
                           ("街道办事处（盖章）：", "日期：")])
    return _save(document)


def _signatures(document, lines: list[tuple[str, str]]) -> None:
    _paragraph(document, "", after=12)
    table = document.add_table(rows=len(lines), cols=2)
    _widths(table, [95, 75])
    for row, (who, when) in zip(table.rows, lines, strict=True):
        _cell(row.cells[0], who + "　" * 8, size=12)
        _cell(row.cells[1], when + "　　　　年　　月　　日", size=12)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(18)


def notice_docx(inspection: dict, rectifications: list[dict], standard: dict | None, issuer: str, today: date) -> bytes:
    """The 整改通知书 for the rectifications ``inspection`` opened that are not yet closed."""
    items = _by_id(standard)
    judged = {i.get("item_id"): i for i in inspection.get("items") or []}
    kind = labels.name(labels.INSPECTION_KINDS, inspection.get("kind"))
    office = inspection.get("office") or (rectifications[0]["office"] if rectifications else "")
    centre = inspection.get("centre_name") or (rectifications[0].get("centre_name") if rectifications else "")
    due = max((r["due"] for r in rectifications), default="")
    document = _document()
    _paragraph(document, "整改通知书", HEI, 22, align=WD_ALIGN_PARAGRAPH.CENTER, after=14)
    _paragraph(document, f"{office}：", FANG, 14, after=8)
    _paragraph(document, "　　{}，经{}，你单位{}（{}级中心）以下 {} 项未达到{}要求。请对照下表逐项整改，于{}前完成，"
                         "并在系统中提交整改说明和整改后的照片等材料，经复查合格后销号。".format(
                             _day(inspection.get("inspected_on")), kind, centre,
                             labels.name(labels.LEVELS, inspection.get("level")), len(rectifications),
                             (standard or {}).get("title") or "建设标准", _day(due)), FANG, 14, after=10)
    rows = []
    for number, rect in enumerate(rectifications, 1):
        item = judged.get(rect.get("item_id")) or {"name": rect.get("title"), "kind": None}
        standard_item = items.get(rect.get("item_id"))
        rows.append([str(number), item.get("name") or rect.get("title") or "", requirement(item, standard_item),
                     measured(item, standard_item), to_fix(item, standard_item), _day(rect.get("due"))])
    _table(document, ["序号", "问题项目", "标准要求", "实测情况", "整改要求", "完成期限"], rows, [12, 24, 32, 32, 49, 21])
    _paragraph(document, f"检查人员：{_inspector(inspection.get('actor'))}", FANG, 14, before=14)
    _paragraph(document, issuer, FANG, 14, align=WD_ALIGN_PARAGRAPH.RIGHT, before=24)
    _paragraph(document, _day(today), FANG, 14, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _signatures(document, [("街道办事处签收人（签字）：", "签收日期：")])
    return _save(document)
