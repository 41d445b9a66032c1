"""The .docx of a 通报: the template (the bureau's own, setting BULLETIN_TEMPLATE, or the default beside
this file) filled with the context and the charts by docxtpl."""
import io
import os
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from services.gateway.bulletins.make_template import DEFAULT
from shared.errors import ServiceUnavailable
from shared.settings import settings

CHART_WIDTH = Mm(150)


def template_path() -> Path:
    """The configured template, or the default one."""
    configured = settings().bulletin_template
    return Path(configured) if configured else DEFAULT


def render(context: dict, charts: dict[str, bytes], template: Path | None = None) -> bytes:
    """The filled .docx; ``charts``: {placeholder: PNG}, each placed 150 mm wide."""
    path = template or template_path()
    if not os.path.isfile(path):
        raise ServiceUnavailable("通报模板文件不存在，请检查模板设置")
    document = DocxTemplate(str(path))
    images = {name: InlineImage(document, io.BytesIO(png), width=CHART_WIDTH) for name, png in charts.items()}
    document.render({**context, **images}, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
