"""The .docx of a 通报 to PDF with LibreOffice headless (Debian's libreoffice-writer-nogui).

Each conversion runs ``soffice`` in its own process group with its own user profile and working
directory (removed afterwards), the fonts of the official layout mapped to Debian's CJK fonts
(``fonts.conf``), at most BULLETIN_PDF_CONCURRENCY at once and within BULLETIN_PDF_TIMEOUT_SECONDS
(waiting for a free turn included); past it the process group is killed. Every failure is a 503 with a
Chinese message saying that the Word version can still be downloaded."""
import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from eventlet.green import subprocess
from eventlet.semaphore import Semaphore

from services.gateway.bulletins import settings
from shared.errors import ServiceUnavailable

FONTS_CONF = Path(__file__).with_name("fonts.conf")
WORD_STILL = "，Word 版本仍可下载"
log = logging.getLogger(__name__)
_turns = {}


def _semaphore(size: int) -> Semaphore:
    if size not in _turns:
        _turns[size] = Semaphore(size)
    return _turns[size]


def _fail(message: str) -> ServiceUnavailable:
    return ServiceUnavailable(message + WORD_STILL)


def _run(command: list[str], env: dict, timeout: float) -> None:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise _fail(f"PDF 生成超时（超过 {settings.integer('BULLETIN_PDF_TIMEOUT_SECONDS')} 秒）") from None
    if process.returncode != 0:
        log.warning("soffice exited with %s: %s", process.returncode, err.decode("utf-8", "replace")[-2000:])
        raise _fail("PDF 转换失败")


def convert(docx: bytes) -> bytes:
    """The PDF of ``docx``; ServiceUnavailable (503) when LibreOffice is missing, fails or takes too long."""
    soffice = shutil.which(str(settings.get("BULLETIN_SOFFICE")))
    if soffice is None:
        raise _fail("服务器未安装 LibreOffice，暂不能生成 PDF")
    timeout = settings.number("BULLETIN_PDF_TIMEOUT_SECONDS")
    deadline = time.monotonic() + timeout
    turns = _semaphore(settings.integer("BULLETIN_PDF_CONCURRENCY"))
    if not turns.acquire(timeout=timeout):
        raise _fail("生成 PDF 的请求较多，请稍后重试")
    try:
        with tempfile.TemporaryDirectory(prefix="cctrack-bulletin-") as work:
            source = Path(work, "bulletin.docx")
            source.write_bytes(docx)
            profile = Path(work, "profile")
            command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                       "--norestore", "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
                       "--outdir", work, str(source)]
            env = {**os.environ, "HOME": work, "FONTCONFIG_FILE": str(FONTS_CONF)}
            _run(command, env, max(deadline - time.monotonic(), 1.0))
            result = Path(work, "bulletin.pdf")
            if not result.is_file() or result.stat().st_size == 0:
                raise _fail("PDF 转换失败")
            return result.read_bytes()
    finally:
        turns.release()
