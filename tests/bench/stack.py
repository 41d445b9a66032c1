"""The services of `make bench`, each as its own ``nameko run`` process (as deployed), on a
vhost and database prefix of their own on the shared broker and store; peak memory per
process is read from /proc (VmHWM) before they stop."""
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import requests
from pymongo import MongoClient

from services.reporting.service import WORKERS
from shared.settings import settings
from tests.support.paths import ROOT
from tests.support.services import service_classes

RABBIT_API = os.environ.get("RABBIT_API_URI", "http://guest:guest@localhost:15672")


def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, tag=None, keep=False):
        self.tag, self.keep = tag or "bench" + uuid.uuid4().hex[:8], keep
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        amqp = settings().amqp_uri.rstrip("/")
        self.amqp_uri = f"{amqp}/{self.tag}"
        self.procs = {}
        self.log = open(os.path.join(ROOT, "var", "log", "bench-services.log"), "a")  # noqa: SIM115 (the services write it)

    def env(self):
        env = dict(os.environ)
        env.update({"AMQP_URI": self.amqp_uri, "MONGO_DB_PREFIX": self.tag, "WEB_SERVER_ADDRESS": f"127.0.0.1:{self.port}",
            "MONGO_URI": settings().mongo_uri,
            "RPC_TIMEOUT_SECONDS": "900", "RPC_SLOW_TIMEOUT_SECONDS": "3600",
            "MAX_UPLOAD_BYTES": str(200 * 1024 * 1024), "NOTIFY_TICK_SECONDS": "86400", "SMTP_HOST": "",
            # the milestones service's periodic repair reads every centre of the country (see docs/PERFORMANCE.md):
            # once a day here, so it does not run in the middle of the figures
            "MILESTONES_SYNC_SECONDS": "86400",
            "LOG_LEVEL": "WARNING"})
        if settings().postgres_dsn:
            env["POSTGRES_DSN"] = settings().postgres_dsn
        return env

    def start(self):
        api = RABBIT_API.rstrip("/")
        requests.put(f"{api}/api/vhosts/{self.tag}", timeout=30).raise_for_status()
        requests.put(f"{api}/api/permissions/{self.tag}/guest", timeout=30,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        targets = [f"{cls.__module__}:{cls.__name__}" for cls in service_classes()]
        targets.append("tests.bench.floor:FloorService")
        nameko = os.path.join(os.path.dirname(sys.executable), "nameko")
        for target in targets:
            name = target.split(".")[1] if target.startswith("services.") else "bench_floor"
            # the read model's workers, as deployed (deploy/scripts/supervise.sh, services/reporting/writer.py)
            env = {**self.env(), "MAX_WORKERS": str(WORKERS)} if name == "reporting" else self.env()
            self.procs[name] = subprocess.Popen(
                [nameko, "run", "--config", os.path.join(ROOT, "deploy", "nameko.yaml"), target],
                cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=10).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError("the services did not become healthy; see var/log/bench-services.log")

    def peak_memory_mib(self):
        peaks = {}
        for name, proc in self.procs.items():
            try:
                with open(f"/proc/{proc.pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            peaks[name] = int(line.split()[1]) / 1024
            except FileNotFoundError:
                peaks[name] = None
        return peaks

    def stop(self):
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except Exception:
                proc.kill()
                proc.wait()
        requests.delete("{}/api/vhosts/{}".format(RABBIT_API.rstrip("/"), quote(self.tag, safe="")), timeout=30)
        self.log.close()
        if self.keep:
            return
        client = MongoClient(settings().mongo_uri)
        for name in client.list_database_names():
            if name.startswith(self.tag + "_"):
                client.drop_database(name)
        client.close()
