"""The survey QR code as a printable A4 poster: the centre's name, its office, a call to action, the QR code and the
short link under it, as a PNG (Pillow, drawn with Debian's CJK font) and as a PDF (a .docx converted by
LibreOffice, pdf.py, so its text stays text: searchable and sharp at any size)."""
import io
from pathlib import Path

import qrcode
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from PIL import Image, ImageDraw, ImageFont

from services.gateway import pdf
from services.gateway.inspection_documents import HEI, _fonts
from shared.settings import settings

CALL = "扫码评价我们的服务"
HINT = "微信或手机相机扫一扫，匿名填写，约 1 分钟"
A4 = (1240, 1754)  # A4 at 150 dpi
RED, INK, GREY = (183, 28, 28), (34, 34, 34), (96, 96, 96)
# Debian's fonts-noto-cjk (face 2 of each collection is Simplified Chinese), then WenQuanYi
FONTS = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
         ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
         ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0))


def _font(size, bold=True):
    for path, index in FONTS[0 if bold else 1:]:
        if Path(path).is_file():
            return ImageFont.truetype(path, size, index=index)
    return ImageFont.load_default(size)


def _qr_image(url, box):
    image = qrcode.make(url, box_size=box, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.get_image().convert("RGB")


def _centred(draw, y, text, font, fill):
    """Draw ``text`` centred at ``y``, shrinking the font until it fits within the margins; returns the next y."""
    size = font.size
    while draw.textlength(text, font=font) > A4[0] - 160 and size > 20:
        size -= 4
        font = font.font_variant(size=size)
    left = (A4[0] - draw.textlength(text, font=font)) / 2
    draw.text((left, y), text, font=font, fill=fill)
    return y + int(size * 1.5)


def poster_png(centre, url):
    """An A4 poster (150 dpi PNG) for ``centre`` ({name, office}) whose QR code opens ``url``."""
    image = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, A4[0], 150), fill=RED)
    _centred(draw, 40, "群众满意度评价", _font(64), "white")
    y = _centred(draw, 220, centre["name"], _font(84), INK)
    y = _centred(draw, y, centre.get("office") or "", _font(44, bold=False), GREY)
    y = _centred(draw, y + 30, CALL, _font(96), RED)
    qr = _qr_image(url, 20)
    side = min(qr.size[0], 760)
    qr = qr.resize((side, side), Image.NEAREST)
    image.paste(qr, ((A4[0] - side) // 2, y + 20))
    y += 20 + side + 30
    y = _centred(draw, y, url, _font(40, bold=False), INK)
    _centred(draw, y + 10, HINT, _font(36, bold=False), GREY)
    draw.line((120, A4[1] - 170, A4[0] - 120, A4[1] - 170), fill=RED, width=3)
    _centred(draw, A4[1] - 140, settings().bulletin_issuer, _font(40, bold=False), INK)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def _line(document, text, size, colour=INK, bold=True):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    _fonts(run, HEI, size, bold)
    run.font.color.rgb = RGBColor(*colour)
    return paragraph


def poster_docx(centre, url):
    """The same poster as a Word document (A4): text as text, the QR code as a picture."""
    document = Document()
    document.core_properties.title = f"{centre['name']} 群众满意度评价"
    document.core_properties.author = settings().bulletin_issuer
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin = section.right_margin = Cm(2)
    _line(document, "群众满意度评价", 24, RED)
    _line(document, centre["name"], 36)
    _line(document, centre.get("office") or "", 18, GREY, bold=False)
    _line(document, CALL, 40, RED)
    picture = io.BytesIO()
    _qr_image(url, 12).save(picture, format="PNG")
    picture.seek(0)
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run().add_picture(picture, width=Cm(11))
    _line(document, url, 16, bold=False)
    _line(document, HINT, 14, GREY, bold=False)
    _line(document, settings().bulletin_issuer, 16, bold=False)
    for paragraph in document.paragraphs:
        paragraph.paragraph_format.space_after = Pt(8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def poster_pdf(centre, url):
    """The poster as an A4 PDF (LibreOffice; a 503 with a Chinese message when it cannot run)."""
    return pdf.convert(poster_docx(centre, url), "，海报图片（PNG）仍可下载")
