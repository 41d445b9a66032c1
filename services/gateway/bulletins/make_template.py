"""Writes the default template of the 通报, ``template.docx`` beside this file, in the layout of GB/T 9704-2012
(党政机关公文格式): A4, 天头 37 mm, 订口 28 mm, 版心 156 x 225 mm (22 lines of 28 characters), 发文机关标志
in red 小标宋, 发文字号 left for the bureau to fill, the red line, the title in 2号小标宋, the body in 3号仿宋,
headings 黑体 (一、) and 楷体 （一）, page numbers "— 1 —" in 4号宋体 (odd pages right, even left), 版记.

    python -m services.gateway.bulletins.make_template [path]

The placeholders (Jinja through docxtpl) are listed in docs/bulletin.md; a template of the bureau's own
(setting BULLETIN_TEMPLATE) uses the same ones. Fonts are named as on the bureau's computers (仿宋, 黑体,
楷体, 方正小标宋简体); the PDF conversion maps them to Debian's CJK fonts (services/gateway/fonts.conf).
"""
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

DEFAULT = Path(__file__).with_name("template.docx")
FANGSONG, HEITI, KAITI, XIAOBIAOSONG, SONGTI = "仿宋", "黑体", "楷体", "方正小标宋简体", "宋体"
LATIN = "Times New Roman"
LINE = Pt(28.95)  # 225 mm / 22 lines
BODY = Pt(16)  # 3号
CHAR = Pt(16)  # one character of the body
RED = RGBColor(0xE6, 0x00, 0x12)

RANKING = [("名次", 13, "rank"), ("街道办事处", 30, "office"), ("中心数", 14, "centres"), ("里程碑", 15, "total"),
           ("已完成", 15, "done"), ("{{ span }}完成", 17, "done_in_period"), ("逾期", 14, "overdue"),
           ("待整改", 15, "rectifications"), ("完成率(%)", 18, "percent")]
EVALUATION = [("名次", 13, "rank"), ("街道办事处", 37, "office"), ("考评得分", 25, "score"),
              ("指标完成度(%)", 28, "attainment"), ("群众满意度(%)", 28, "satisfaction"), ("评价份数", 21, "responses")]
REQUIREMENTS = [
    "（一）压实主体责任。各街道办事处要对照本通报查找差距，逐项落实逾期事项和待整改问题，"
    "明确责任人和完成时限，确保按期完成建设任务。",
    "（二）抓好问题整改。受到通报批评的街道办事处要在10个工作日内向区文化旅游局书面报告整改措施；"
    "整改问题须提交整改材料并经复查后销号。",
    "（三）推广先进经验。受到表扬的街道办事处要总结推广经验做法；各街道办事处要按月报送服务数据，"
    "配合开展群众满意度测评，区文化旅游局将按月评、季评、年度考评结果持续通报。",
]


def _fonts(target, east_asia, latin=LATIN):
    """Set the East Asian and Latin fonts of a style or run (python-docx sets only the Latin ones)."""
    target.font.name = latin
    props = target.element.get_or_add_rPr()
    fonts = props.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        props.insert(0, fonts)
    for attribute, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asia), ("w:cs", latin)):
        fonts.set(qn(attribute), value)


def _style(document, name, east_asia, size, *, bold=False, align=None, indent=0, line=LINE, before=0, after=0,  # noqa: PLR0913 (a keyword per style property)
           color=None, latin=LATIN, keep=False):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    _fonts(style, east_asia, latin)
    style.font.size, style.font.bold = size, bold
    if color is not None:
        style.font.color.rgb = color
    fmt = style.paragraph_format
    if line is None:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, line
    fmt.first_line_indent = indent
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.widow_control = False
    fmt.keep_with_next = keep
    if align is not None:
        fmt.alignment = align
    return style


def _language(style):
    """Chinese text is zh-CN (Word's proofing, and the simplified-Chinese glyphs of a Pan-CJK font)."""
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    style.element.get_or_add_rPr().append(lang)


def _styles(document):
    normal = document.styles["Normal"]
    _fonts(normal, FANGSONG)
    _language(normal)
    normal.font.size = BODY
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = 2 * CHAR
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    # 发文机关标志: its top 35 mm below the 版心's top (GB/T 9704 7.2.2)
    _style(document, "Bulletin Mark", XIAOBIAOSONG, Pt(36), align=center, color=RED, line=Pt(48), latin=XIAOBIAOSONG,
           before=Mm(33).pt)
    _style(document, "Bulletin Number", FANGSONG, BODY, align=center)
    _style(document, "Bulletin Title", XIAOBIAOSONG, Pt(22), align=center, line=Pt(35), latin=XIAOBIAOSONG)
    _style(document, "Bulletin Plain", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(document, "Bulletin Heading 1", HEITI, BODY, indent=2 * CHAR, latin=HEITI, keep=True)
    _style(document, "Bulletin Heading 2", KAITI, BODY, indent=2 * CHAR, latin=KAITI, keep=True)
    _style(document, "Bulletin List", FANGSONG, BODY, indent=2 * CHAR, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(document, "Bulletin Caption", HEITI, Pt(14), align=center, line=Pt(24), latin=HEITI)
    _style(document, "Bulletin Table Caption", HEITI, Pt(14), align=center, line=Pt(24), latin=HEITI, before=6,
           keep=True)
    _style(document, "Bulletin Figure", FANGSONG, BODY, align=center, line=None, before=6, after=2, keep=True)
    _style(document, "Bulletin Table", FANGSONG, Pt(12), align=center, line=Pt(18))
    _style(document, "Bulletin Table Head", HEITI, Pt(12), align=center, line=Pt(18), latin=HEITI)
    _style(document, "Bulletin Signature", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, keep=True)
    _style(document, "Bulletin Closing", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.LEFT, keep=True)
    _style(document, "Bulletin Record", FANGSONG, Pt(14), line=Pt(26), align=WD_ALIGN_PARAGRAPH.LEFT, keep=True)
    _style(document, "Bulletin Page Number", SONGTI, Pt(14), line=None)


def _border(paragraph, side, size, color="000000"):
    """A line above or below a paragraph (``size`` in eighths of a point), as wide as the 版心."""
    props = paragraph._p.get_or_add_pPr()
    borders = props.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        props.append(borders)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
        line.set(qn(key), value)
    borders.append(line)


def _page_number(document, footer, align, indent_side):
    """— n — in 4号宋体, a character in from the edge (GB/T 9704 7.5)."""
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Bulletin Page Number"]
    paragraph.paragraph_format.alignment = align
    setattr(paragraph.paragraph_format, indent_side, Pt(14))
    paragraph.paragraph_format.first_line_indent = 0
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" —")


def _cell(cell, text, style, width):
    cell.width = Mm(width)
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    paragraph.paragraph_format.first_line_indent = 0
    paragraph.add_run(text)


def _loop_table(document, columns, rows_name, row_name):
    """A bordered table: the header, then one row per item of ``rows_name`` ({%tr for %} ... {%tr endfor %})."""
    table = document.add_table(rows=4, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, (_, width, _) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)
    head, body = document.styles["Bulletin Table Head"], document.styles["Bulletin Table"]
    for index, (title, width, field) in enumerate(columns):
        _cell(table.rows[0].cells[index], title, head, width)
        _cell(table.rows[1].cells[index], f"{{%tr for {row_name} in {rows_name} %}}" if index == 0 else "", body, width)
        _cell(table.rows[2].cells[index], f"{{{{ {row_name}.{field} }}}}", body, width)
        _cell(table.rows[3].cells[index], "{%tr endfor %}" if index == 0 else "", body, width)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header.append(repeat)
    return table


def _loop(document, items, style="Bulletin List"):
    document.add_paragraph(f"{{%p for line in {items} %}}", style=style)
    document.add_paragraph("{{ line }}", style=style)
    document.add_paragraph("{%p endfor %}", style=style)


def build(path=DEFAULT):
    document = Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(21)
    document.settings.odd_and_even_pages_header_footer = True
    _styles(document)
    add = document.add_paragraph

    # 版头: 发文机关标志, 空二行, 发文字号, the red line
    add("{{ issuer }}文件", style="Bulletin Mark")
    add("", style="Bulletin Number")
    add("", style="Bulletin Number")
    number = add("　　〔　　　　〕　　号", style="Bulletin Number")
    _border(number, "bottom", 12, "E60012")
    # 主体: the title 空二行 below the red line, 主送机关 after an empty line
    add("", style="Bulletin Plain")
    add("", style="Bulletin Plain")
    add("{{ title }}", style="Bulletin Title")
    add("", style="Bulletin Plain")
    add("{{ recipients }}：", style="Bulletin Plain")
    add("{{ intro }}")

    add("一、总体进展", style="Bulletin Heading 1")
    _loop(document, "overall", style="Normal")
    add("{{ chart_status }}", style="Bulletin Figure")
    add("图1　全区建设里程碑状态（截至{{ as_of }}）", style="Bulletin Caption")
    add("{{ chart_phases }}", style="Bulletin Figure")
    add("图2　分阶段完成情况", style="Bulletin Caption")

    add("二、各街道办事处进展排名", style="Bulletin Heading 1")
    add("{{ ranking_intro }}")
    add("表1　各街道办事处建设进展排名（截至{{ as_of }}）", style="Bulletin Table Caption")
    _loop_table(document, RANKING, "ranking", "r")
    add("{{ chart_ranking }}", style="Bulletin Figure")
    add("图3　各街道办事处里程碑完成率", style="Bulletin Caption")

    add("三、服务指标考评", style="Bulletin Heading 1")
    add("{{ evaluation_intro }}")
    add("{%p if evaluation %}", style="Bulletin Plain")
    add("表2　各街道办事处{{ period_kind }}服务指标考评", style="Bulletin Table Caption")
    _loop_table(document, EVALUATION, "evaluation", "e")
    add("{%p endif %}", style="Bulletin Plain")

    add("四、表扬和通报批评", style="Bulletin Heading 1")
    add("{{ rule_text }}")
    add("（一）予以表扬的街道办事处", style="Bulletin Heading 2")
    _loop(document, "praised")
    add("（二）予以通报批评的街道办事处", style="Bulletin Heading 2")
    _loop(document, "criticised")

    add("五、逾期事项和待整改问题", style="Bulletin Heading 1")
    add("（一）逾期未完成事项", style="Bulletin Heading 2")
    _loop(document, "overdue")
    add("（二）待整改问题", style="Bulletin Heading 2")
    _loop(document, "rectifications")

    add("六、下一步工作要求", style="Bulletin Heading 1")
    for text in REQUIREMENTS:
        last = add(text)
    last.paragraph_format.keep_with_next = True  # the signature never stands on a page without body text

    # 署名 and 成文日期, right, four characters in (GB/T 9704 7.3.5)
    add("", style="Bulletin Closing")
    add("", style="Bulletin Closing")
    for text in ("{{ issuer }}", "{{ issue_date }}"):
        paragraph = add(text, style="Bulletin Signature")
        paragraph.paragraph_format.right_indent = 4 * CHAR if text == "{{ issue_date }}" else 5 * CHAR
    add("", style="Bulletin Closing")

    # 版记: 抄送 and 印发, between lines (the first and last thicker)
    add("{%p if copy_to %}", style="Bulletin Closing")
    copy = add("抄送：{{ copy_to }}。", style="Bulletin Record")
    copy.paragraph_format.left_indent = copy.paragraph_format.right_indent = Pt(14)
    _border(copy, "top", 8)
    add("{%p endif %}", style="Bulletin Closing")
    printed = add("{{ issuer }}办公室\t{{ issue_date }}印发", style="Bulletin Record")
    printed.paragraph_format.left_indent = printed.paragraph_format.right_indent = Pt(14)
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(28), WD_TAB_ALIGNMENT.RIGHT)
    _border(printed, "top", 4)
    _border(printed, "bottom", 8)

    _page_number(document, section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent")
    _page_number(document, section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent")
    document.core_properties.title = "基层综合性文化服务中心建设进展情况通报（模板）"
    document.core_properties.author = "cctrack"
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
