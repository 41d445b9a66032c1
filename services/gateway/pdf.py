"""A .docx to PDF with LibreOffice headless (Debian's libreoffice-writer-nogui), for every document the
gateway prints: the 通报 (bulletins/), the 验收单 and the 整改通知书 (inspection_documents.py).

Each conversion runs ``soffice`` in its own process group with its own user profile and working
directory (removed afterwards), the fonts of the official layout mapped to Debian's CJK fonts
(``fonts.conf``), at most BULLETIN_PDF_CONCURRENCY at once and within BULLETIN_PDF_TIMEOUT_SECONDS (waiting for a free
turn included); past it the process group is killed. Every failure is a 503 with a Chinese message
(and, from the caller, what the person can still do instead).

Its settings (shared/settings.py) keep the names they had when the 通报 was the only PDF: BULLETIN_SOFFICE,
BULLETIN_PDF_TIMEOUT_SECONDS, BULLETIN_PDF_CONCURRENCY (conversions at once, every document together).
"""
import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from eventlet.green import subprocess
from eventlet.semaphore import Semaphore

from shared.errors import ServiceUnavailable
from shared.settings import child_environment, settings

FONTS_CONF = Path(__file__).with_name("fonts.conf")
log = logging.getLogger(__name__)
_turns = {}


def _semaphore(size: int) -> Semaphore:
    if size not in _turns:
        _turns[size] = Semaphore(size)
    return _turns[size]


def _run(command: list[str], env: dict, timeout: float, still: str) -> None:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               start_new_session=True)
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ServiceUnavailable(f"PDF 生成超时（超过 {settings().bulletin_pdf_timeout_seconds:g} 秒）" + still) from None
    if process.returncode != 0:
        log.warning("soffice exited with %s: %s", process.returncode, err.decode("utf-8", "replace")[-2000:])
        raise ServiceUnavailable("PDF 转换失败" + still)


def convert(docx: bytes, still: str = "") -> bytes:
    """The PDF of ``docx``; ServiceUnavailable (503) when LibreOffice is missing, fails or takes too long, its
    message followed by ``still`` (what the person can do instead, e.g. "，Word 版本仍可下载")."""
    soffice = shutil.which(settings().bulletin_soffice)
    if soffice is None:
        raise ServiceUnavailable("服务器未安装 LibreOffice，暂不能生成 PDF" + still)
    timeout = settings().bulletin_pdf_timeout_seconds
    deadline = time.monotonic() + timeout
    turns = _semaphore(settings().bulletin_pdf_concurrency)
    if not turns.acquire(timeout=timeout):
        raise ServiceUnavailable("生成 PDF 的请求较多，请稍后重试" + still)
    try:
        with tempfile.TemporaryDirectory(prefix="cctrack-pdf-") as work:
            source = Path(work, "bulletin.docx")
            source.write_bytes(docx)
            profile = Path(work, "profile")
            command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                       "--norestore", "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
                       "--outdir", work, str(source)]
            env = child_environment(HOME=work, FONTCONFIG_FILE=str(FONTS_CONF))
            _run(command, env, max(deadline - time.monotonic(), 1.0), still)
            result = Path(work, "bulletin.pdf")
            if not result.is_file() or result.stat().st_size == 0:
                raise ServiceUnavailable("PDF 转换失败" + still)
            return result.read_bytes()
    finally:
        turns.release()
