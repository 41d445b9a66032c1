"""Peak memory of the streamed progress workbook (services/gateway/progress_export.py) by the size of the area.

Each size runs in a fresh process: the writer reads a generated province (tests/support/export_reads.py, pages
computed on demand, 17 centres per office like the bench's generator) and writes the workbook to a temporary file;
the process reports its peak RSS before and after. A figure, never a timed test:

    PYTHONPATH=. .venv/bin/python -m tests.bench.export_memory 2000 20000 100000
"""
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date

OFFICE_CENTRES = 17
DISTRICT_OFFICES = 15


def one(centres):
    from services.gateway.progress_export import ExportQuery, write_workbook
    from tests.support.export_reads import GeneratedArea

    offices = max(1, centres // OFFICE_CENTRES)
    reads = GeneratedArea(districts=max(1, offices // DISTRICT_OFFICES), offices=DISTRICT_OFFICES, centres=OFFICE_CENTRES)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    with tempfile.TemporaryFile() as out:
        rows = write_workbook(reads, ExportQuery("41", date(2018, 1, 5), date(2018, 1, 5)), out)
        size = out.tell()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"centres": rows, "file_mib": round(size / 2 ** 20, 1), "rss_before_mib": round(before / 1024, 1),
            "peak_rss_mib": round(peak / 1024, 1), "seconds": round(time.monotonic() - start, 1),
            "largest_answer": reads.largest}


def main(sizes):
    for size in sizes:
        out = subprocess.run([sys.executable, "-m", "tests.bench.export_memory", "--one", str(size)],
                             capture_output=True, text=True, check=True)
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [2000, 20000])
