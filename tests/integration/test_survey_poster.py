"""The survey QR code as a printable A4 poster: PNG and PDF, with the centre's name, the call to action and the
short link (read back from the PDF with pdftotext, its QR picture with pdfimages); another office's is refused."""
import io
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from tests.support.centres import import_centres

pytestmark = pytest.mark.integration

OFFICE = "丰庆路街道"


def test_the_survey_poster_as_png_and_pdf(stack):
    import_centres(stack, [("sp-c1", "海报测试社区", "community", OFFICE), ("sp-c2", "别处社区", "community", "国基路街道")])
    png = stack.get("/api/centres/sp-c1/survey-poster.png", role="office", office=OFFICE)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content)).convert("L")
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    dark = sum(image.histogram()[:100])
    assert 0.05 < dark / (1240 * 1754) < 0.5  # a QR code and text on a white page, not a blank or a black one

    response = stack.get("/api/centres/sp-c1/survey-poster.pdf", role="office", office=OFFICE)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    with tempfile.TemporaryDirectory() as work:
        path = Path(work, "poster.pdf")
        path.write_bytes(response.content)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                              text=True).stdout
        images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
        pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    squeezed = text.replace(" ", "")
    assert "海报测试社区" in squeezed and "扫码评价我们的服务" in squeezed and OFFICE in squeezed
    assert "/s/sp-c1" in text
    assert len(images.strip().splitlines()) >= 3  # the header lines and the QR picture
    assert re.search(r"^Pages:\s+1$", pages, re.M) and "(A4)" in pages

    for suffix in ("png", "pdf"):
        assert stack.get(f"/api/centres/sp-c2/survey-poster.{suffix}", role="office",
                         office=OFFICE).status_code == 403
        assert stack.get(f"/api/centres/nowhere/survey-poster.{suffix}").status_code == 404
