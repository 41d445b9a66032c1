"""The bench's own store: a PostgreSQL cluster under var/bench-pg and FerretDB on it, on ports of
their own (54330 and 27037), so a load of millions of documents never touches the shared store
(:27017, :54320) that other tests use. Started and stopped by pid; the data stays between runs
until ``stop(wipe=True)`` (a loaded scale can be measured again with ``run.py --reuse``).

    .venv/bin/python -m tests.bench.privstore up|down|wipe
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # not tests.conftest: no eventlet
VAR = os.path.join(ROOT, "var", "bench-pg")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", 54330))
STORE_PORT = int(os.environ.get("BENCH_STORE_PORT", 27037))
MONGO_URI = f"mongodb://127.0.0.1:{STORE_PORT}/"
POSTGRES_DSN = f"postgresql://postgres@127.0.0.1:{PG_PORT}/ferretdb"
# FerretDB's pool to PostgreSQL holds 50 connections by default; seven services under load used all 50,
# each idle in PostgreSQL, and every operation (the loader's inserts too) waited for one: a standstill
POOL = "?pool_max_conns={}".format(os.environ.get("BENCH_STORE_POOL", 150))
FERRET_BIN = os.path.join(ROOT, "var", "bin", "cctrack-ferretdb")
# as deploy/scripts/infra.sh, with room for a bulk load (fewer checkpoints)
PG_OPTIONS = ("-p {} -c listen_addresses=127.0.0.1 -k {} -c synchronous_commit=off -c plan_cache_mode=force_custom_plan "
              "-c shared_buffers=256MB -c max_connections=200 -c max_wal_size=4GB -c checkpoint_timeout=15min")


def port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (deploy/scripts/infra.sh postgres installs it)")
    return os.path.dirname(found[-1])


def as_pg(args, **kw):
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, **kw)


def up():
    data = os.path.join(VAR, "data")
    os.makedirs(os.path.join(VAR, "socket"), exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:", VAR], check=True)
    bindir = pg_bin()
    if not port_open(PG_PORT):
        if not os.path.exists(os.path.join(data, "PG_VERSION")):
            as_pg([bindir + "/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                  stdout=subprocess.DEVNULL)
        as_pg([bindir + "/pg_ctl", "-D", data, "-l", os.path.join(VAR, "server.log"), "-w", "-t", "60", "start",
               "-o", PG_OPTIONS.format(PG_PORT, os.path.join(VAR, "socket"))], stdout=subprocess.DEVNULL)
        exists = as_pg([bindir + "/psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-Atqc",
                        "SELECT 1 FROM pg_database WHERE datname='ferretdb'", "postgres"], capture_output=True, text=True)
        if "1" not in exists.stdout:
            as_pg([bindir + "/createdb", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "ferretdb"])
    if not port_open(STORE_PORT):
        log = open(os.path.join(VAR, "ferretdb.log"), "a")  # noqa: SIM115 (the child process writes it)
        proc = subprocess.Popen([FERRET_BIN, "-listen", f"127.0.0.1:{STORE_PORT}", "-backend", "postgresql",
                                 "-postgresql-url", POSTGRES_DSN.replace("postgresql://", "postgres://") + POOL],
                                stdout=log, stderr=log, start_new_session=True)
        with open(os.path.join(VAR, f"ferretdb-{STORE_PORT}.pid"), "w") as fh:
            fh.write(str(proc.pid))
        deadline = time.monotonic() + 60
        while not port_open(STORE_PORT):
            if time.monotonic() > deadline:
                raise RuntimeError("the bench's FerretDB did not start; see var/bench-pg/ferretdb.log")
            time.sleep(0.3)
    return MONGO_URI, POSTGRES_DSN


def use():
    """Point this process (and the services it starts) at the bench's own store."""
    os.environ["MONGO_URI"], os.environ["POSTGRES_DSN"] = up()


def down(wipe=False):
    pidfile = os.path.join(VAR, f"ferretdb-{STORE_PORT}.pid")
    if os.path.exists(pidfile):
        with open(pidfile) as fh:
            pid = int(fh.read().strip())
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.2)
        except ProcessLookupError:
            pass
        os.remove(pidfile)
    data = os.path.join(VAR, "data")
    if os.path.exists(os.path.join(data, "postmaster.pid")):
        as_pg([pg_bin() + "/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL)
    if wipe:
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    if command == "up":
        print("bench store: {}  PostgreSQL: {}".format(*up()))
    elif command in ("down", "wipe"):
        down(wipe=command == "wipe")
    else:
        sys.exit("usage: python -m tests.bench.privstore up|down|wipe")
