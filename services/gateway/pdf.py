"""A .docx to PDF with LibreOffice headless (Debian's libreoffice-writer-nogui), for every document the
gateway prints: the 通报 (bulletins/), the 验收单 and the 整改通知书 (inspection_documents.py).

Each conversion runs ``soffice`` in its own process group with its own user profile and working
directory (removed afterwards), the fonts of the official layout mapped to Debian's CJK fonts
(``fonts.conf``), at most BULLETIN_PDF_CONCURRENCY at once and within BULLETIN_PDF_TIMEOUT_SECONDS (waiting for a free
turn included); past it the process group is killed. Every failure is a 503 with a Chinese message
(and, from the caller, what the person can still do instead).

| key                              | default | meaning |
|----------------------------------|---------|---------|
| BULLETIN_SOFFICE                 | soffice | LibreOffice's command (named when the 通报 was the only PDF) |
| BULLETIN_PDF_TIMEOUT_SECONDS     | 120     | longest conversion to PDF |
| BULLETIN_PDF_CONCURRENCY         | 2       | conversions at once, every document together (more wait, within the timeout) |
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

from shared.config import setting
from shared.errors import ServiceUnavailable

FONTS_CONF = Path(__file__).with_name("fonts.conf")
DEFAULTS = {"BULLETIN_SOFFICE": "soffice", "BULLETIN_PDF_TIMEOUT_SECONDS": 120, "BULLETIN_PDF_CONCURRENCY": 2}
log = logging.getLogger(__name__)
_turns = {}


def _setting(key: str) -> str:
    value = setting(key)
    return str(DEFAULTS[key] if value in (None, "") else value)


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
        raise ServiceUnavailable(f"PDF 生成超时（超过 {_setting('BULLETIN_PDF_TIMEOUT_SECONDS')} 秒）" + still) from None
    if process.returncode != 0:
        log.warning("soffice exited with %s: %s", process.returncode, err.decode("utf-8", "replace")[-2000:])
        raise ServiceUnavailable("PDF 转换失败" + still)


def convert(docx: bytes, still: str = "") -> bytes:
    """The PDF of ``docx``; ServiceUnavailable (503) when LibreOffice is missing, fails or takes too long, its
    message followed by ``still`` (what the person can do instead, e.g. "，Word 版本仍可下载")."""
    soffice = shutil.which(_setting("BULLETIN_SOFFICE"))
    if soffice is None:
        raise ServiceUnavailable("服务器未安装 LibreOffice，暂不能生成 PDF" + still)
    timeout = float(_setting("BULLETIN_PDF_TIMEOUT_SECONDS"))
    deadline = time.monotonic() + timeout
    turns = _semaphore(int(_setting("BULLETIN_PDF_CONCURRENCY")))
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
            env = {**os.environ, "HOME": work, "FONTCONFIG_FILE": str(FONTS_CONF)}
            _run(command, env, max(deadline - time.monotonic(), 1.0), still)
            result = Path(work, "bulletin.pdf")
            if not result.is_file() or result.stat().st_size == 0:
                raise ServiceUnavailable("PDF 转换失败" + still)
            return result.read_bytes()
    finally:
        turns.release()
