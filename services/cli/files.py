"""Files named on the command line: read whole, or the one error message when the file is not there."""
import base64
import os
import sys


def read(path):
    """The bytes of ``path``, or None once ``错误：文件不存在`` is printed."""
    if not os.path.isfile(path):
        print(f"错误：文件不存在：{path}", file=sys.stderr)
        return None
    with open(path, "rb") as fh:
        return fh.read()


def table(path):
    """A table file (CSV or XLSX) as the import RPCs take it (``filename``, ``content_b64``, ``size``), or None."""
    content = read(path)
    if content is None:
        return None
    return {"filename": os.path.basename(path), "content_b64": base64.b64encode(content).decode("ascii"),
            "size": len(content)}
