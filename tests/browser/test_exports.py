"""An export job in the pages (docs/exports.md): a city bureau's 导出本区划 Excel 报表 for an area above the direct
limit starts a job; the page shows its progress bar with the centres written of all, survives a reload, then offers
下载, whose file is the workbook of every centre. Screenshots at 1440x900 and 390x844."""
import io
import os
import time

import pytest
from openpyxl import load_workbook

from services.gateway import progress_export
from tests.browser.test_areas import SHOTS, install
from tests.support.browser import PHONE, login, wait_until

BUREAU = {"width": 1440, "height": 900}


@pytest.fixture
def limits():
    from nameko import config

    with config.patch({"EXPORT_DIRECT_CENTRES": 50, "EXPORT_TICK_SECONDS": 0.3}):
        yield


@pytest.fixture
def slow_pages(monkeypatch):
    """Pages of 2 offices, each followed by a pause: the progress is seen to move."""
    monkeypatch.setattr(progress_export, "PAGE", 2)
    page = progress_export._Sheets.page

    def slow_page(self, *args):
        page(self, *args)
        time.sleep(0.7)
    monkeypatch.setattr(progress_export._Sheets, "page", slow_page)


def rows_written(page):
    text = page.inner_text("[data-test=export-rows]")
    return int(text.split("已写入")[1].split("/")[0].strip())


def test_a_city_exports_by_a_job_and_downloads_it(limits, stack, people, open_page, slow_pages):
    install(stack)  # Jinshui's 105 centres in Zhengzhou: above the limit of 50
    people.make("zhengzhou", "admin", name="郑州市文化广电和旅游局", area="4101")
    os.makedirs(SHOTS, exist_ok=True)

    page = open_page(BUREAU)
    login(page, "zhengzhou")
    page.wait_for_selector("[data-test=area-child]")
    page.click("[data-test=export]")
    page.wait_for_selector("[data-test=export-job]")
    assert "/ 105 个中心" in page.inner_text("[data-test=export-rows]")
    wait_until(page, "document.querySelector('[data-test=export-job]').innerText.includes('正在生成')")
    wait_until(page, "Number((document.querySelector('[data-test=export-rows]').innerText.match(/已写入 (\\d+)/) || [])[1]) > 0")
    first = rows_written(page)
    page.screenshot(path=os.path.join(SHOTS, "export-progress-1440.png"), full_page=True)

    page.reload()  # the job is found again after a reload, still moving
    page.wait_for_selector("[data-test=export-job]")
    wait_until(page, "Number((document.querySelector('[data-test=export-rows]').innerText.match(/已写入 (\\d+)/) || [])[1]) > "
               + str(first) + " || !!document.querySelector('[data-test=export-download]')")
    assert not page.locator("[data-test=export-error]").count()

    phone = open_page(PHONE)  # the same person on a phone: a fresh browser, no job kept there
    login(phone, "zhengzhou")
    phone.wait_for_selector("[data-test=area-child]")

    page.wait_for_selector("[data-test=export-download]", timeout=120000)
    assert "已写入 105 / 105 个中心" in page.inner_text("[data-test=export-rows]")
    assert page.inner_text("[data-test=export-bar]").strip() == "100%"
    page.screenshot(path=os.path.join(SHOTS, "export-done-1440.png"), full_page=True)
    with page.expect_download() as info:
        page.click("[data-test=export-download]")
    with open(info.value.path(), "rb") as fh:
        book = load_workbook(io.BytesIO(fh.read()), read_only=True)
    rows = list(book["中心进度"].iter_rows(values_only=True))
    assert info.value.suggested_filename.endswith(".xlsx") and len(rows) == 3 + 105

    phone.click("[data-test=export]")  # a second export from the phone: its own job, its own progress
    phone.wait_for_selector("[data-test=export-job]")
    phone.screenshot(path=os.path.join(SHOTS, "export-progress-390.png"), full_page=True)
    phone.wait_for_selector("[data-test=export-download]", timeout=120000)
    phone.screenshot(path=os.path.join(SHOTS, "export-done-390.png"), full_page=True)
    phone.click("[data-test=export-close]")
    assert not phone.locator("[data-test=export-job]").count()
    phone.reload()  # closed: not shown again
    phone.wait_for_selector("[data-test=area-child]")
    assert not phone.locator("[data-test=export-job]").count()
