"""``make faults``: the fault suite (issue 9). Each case drives a stream of progress updates
(or the calls the case is about) through the gateway while a fault is injected, then prints
what it did and what it counted: sent, acknowledged, stored, lost, duplicated, what callers
saw (statuses, slowest answer), and how long recovery took. Everything runs on the suite's
own broker node and stores (tests/faults/infra.py), never on the shared ones.

    .venv/bin/python -m tests.faults.run            # every case
    .venv/bin/python -m tests.faults.run broker_restart kill_milestones

Targets: 0 lost, 0 duplicated, every service back by itself within 30 s of its
dependency, callers answered within 5 s during an outage. Exit status 1 if a target is missed.
"""
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import requests
from pymongo import MongoClient

from tests.faults import infra

BASE = f"http://127.0.0.1:{infra.WEB_PORT}"
PREFIX = "faults"
CENTRE = "js01-c02"
KEYS = ("p1_plan", "p3_construction", "p3_signage")
TARGET_RECOVERY, TARGET_ANSWER = 30.0, 5.0
ENV = {"AMQP_URI": infra.AMQP_URI, "MONGO_URI": infra.store_uri(infra.STORE_PORT), "MONGO_DB_PREFIX": PREFIX,
       "WEB_SERVER_ADDRESS": f"127.0.0.1:{infra.WEB_PORT}", "RPC_TIMEOUT_SECONDS": "4",
       "HANDLER_MAX_ATTEMPTS": "4", "HANDLER_RETRY_BASE_SECONDS": "1", "HANDLER_RETRY_MAX_SECONDS": "4",
       "NOTIFY_TICK_SECONDS": "3600", "MILESTONES_SYNC_SECONDS": "3600", "SMTP_HOST": "", "LOG_LEVEL": "INFO"}


def cli(*args):
    env = {**os.environ, **ENV}
    return subprocess.run([os.path.join(infra.ROOT, ".venv", "bin", "python"), "-m", "services.cli.main", *args],
                          cwd=infra.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


class Writer(threading.Thread):
    """Sequential progress updates, each with its own Idempotency-Key, retried with that key until
    acknowledged (as the SPA does). Records every answer a caller saw and how long it took."""

    def __init__(self, token, tag):
        super().__init__(daemon=True)
        self.headers = {"Authorization": "Bearer " + token}
        self.tag, self.stop_flag = tag, threading.Event()
        self.sent = self.acked = self.gave_up = 0
        self.seen = collections.Counter()
        self.slowest = 0.0
        self.versions = {}
        self.acked_notes = set()

    def version(self, key):
        body = requests.get(BASE + f"/api/centres/{CENTRE}/milestones", headers=self.headers, timeout=30).json()
        return {m["key"]: m["version"] for m in body["milestones"]}[key]

    def call(self, method, url, **kw):
        started = time.monotonic()
        try:
            response = requests.request(method, BASE + url, headers={**self.headers, **kw.pop("headers", {})},
                                        timeout=15, **kw)
            outcome = response.status_code
        except requests.RequestException as exc:
            response, outcome = None, type(exc).__name__
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.seen[outcome] += 1
        return response

    def run(self):
        n = 0
        while not self.stop_flag.is_set():
            key = KEYS[n % len(KEYS)]
            if key not in self.versions:
                try:
                    self.versions[key] = self.version(key)
                except (requests.RequestException, KeyError, ValueError):
                    time.sleep(0.5)
                    continue
            note = f"{self.tag}-{n}"
            body = {"status": "in_progress", "percent": n % 100, "note": note, "based_on_version": self.versions[key]}
            idem = uuid.uuid4().hex
            self.sent += 1
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                response = self.call("POST", f"/api/centres/{CENTRE}/milestones/{key}/progress", json=body,
                                     headers={"Idempotency-Key": idem})
                if response is not None and response.status_code == 200:
                    self.acked += 1
                    self.acked_notes.add(note)
                    self.versions[key] = response.json()["version"]
                    break
                if response is not None and response.status_code == 409:
                    self.versions.pop(key, None)  # should not happen: a retry is recognised, not refused
                    break
                time.sleep(0.5)
            else:
                self.gave_up += 1
            n += 1


def stored_notes(tag):
    client = MongoClient(infra.store_uri(infra.MILESTONES_STORE_PORT), serverSelectionTimeoutMS=20000)
    try:
        revisions = client[PREFIX + "_milestones"].milestone_revisions
        return collections.Counter(d["note"] for d in revisions.find({"centre_id": CENTRE})
                                   if str(d.get("note", "")).startswith(tag + "-"))
    finally:
        client.close()


def healthy():
    try:
        return requests.get(BASE + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


class Suite:
    def __init__(self):
        self.broker = infra.Broker()
        self.store = infra.Store(infra.STORE_PORT, "store")
        self.mstore = infra.Store(infra.MILESTONES_STORE_PORT, "milestones-store")
        self.services = infra.Services(ENV)
        self.results = []
        self.token = None

    def up(self):
        infra.fresh()
        print(f"[faults] broker node {infra.NODE} on :{infra.AMQP_PORT},"
              f" stores on :{infra.STORE_PORT} and :{infra.MILESTONES_STORE_PORT} (var/faults)", flush=True)
        self.broker.start()
        self.store.start()
        self.mstore.start()
        for name, cls in infra.services():
            env = {"MONGO_URI": infra.store_uri(infra.MILESTONES_STORE_PORT)} if name == "milestones" else None
            self.services.start(name, cls, env=env)
        try:
            infra.wait(healthy, 120, "the fault stack")
        except RuntimeError:
            print("[faults] /healthz:", requests.get(BASE + "/healthz", timeout=10).text, flush=True)
            raise
        self.token = cli("token", "create", "--role", "admin", "--label", "faults", "--quiet").stdout.strip()
        load = cli("import", "allocation", "services/assignment/data/jinshui_2017.csv")
        assert load.returncode == 0, load.stderr
        synced = cli("milestones", "sync")  # as make run does: every centre's milestones exist before the cases
        assert synced.returncode == 0, synced.stderr
        infra.wait(lambda: self.milestone_status("p1_plan") is not None, 120, "milestones of " + CENTRE)

    def down(self):
        self.services.stop()
        self.store.stop()
        self.mstore.stop()
        self.broker.stop()

    def milestone_status(self, key, centre=CENTRE):
        try:
            body = requests.get(BASE + f"/api/centres/{centre}/milestones",
                                headers={"Authorization": "Bearer " + self.token}, timeout=10).json()
            return {m["key"]: m["status"] for m in body["milestones"]}.get(key)
        except (requests.RequestException, ValueError, KeyError):
            return None

    def stream_case(self, name, fault, recover=None, before=3.0, after=4.0):
        """Updates flow; ``fault()`` at ``before`` s; ``recover()`` if given; time until /healthz is 200 again."""
        restarts = self.services.restarts()
        writer = Writer(self.token, f"{name}-{uuid.uuid4().hex[:6]}")
        writer.start()
        time.sleep(before)
        fault()
        if recover is not None:
            recover()  # the dependency is back: from here the services must recover by themselves
        started = time.monotonic()
        infra.wait(healthy, 120, "recovery")
        recovery = time.monotonic() - started
        time.sleep(after)
        writer.stop_flag.set()
        writer.join(120)
        notes = stored_notes(writer.tag)
        result = {"case": name, "sent": writer.sent, "acknowledged": writer.acked, "gave_up": writer.gave_up,
                  "stored": len(notes), "lost": len(writer.acked_notes - set(notes)),
                  "duplicated": sum(c - 1 for c in notes.values()), "recovery_s": round(recovery, 1),
                  "slowest_answer_s": round(writer.slowest, 1), "callers_saw": dict(writer.seen),
                  "supervisor_restarts": self.services.restarts() - restarts}
        self.report(result)
        return result

    def report(self, result):
        ok = (result.get("lost", 0) == 0 and result.get("duplicated", 0) == 0
              and result.get("recovery_s", 0) <= TARGET_RECOVERY and result.get("slowest_answer_s", 0) <= TARGET_ANSWER
              and result.get("ok", True))
        result["verdict"] = "ok" if ok else "MISSED TARGET"
        self.results.append(result)
        print("[faults] " + json.dumps(result, ensure_ascii=False), flush=True)

    # --- cases ---------------------------------------------------------------------------------------

    def kill_service(self, label):
        return self.stream_case("kill_" + label, lambda: self.services.kill9(label))

    def broker_restart(self):
        return self.stream_case("broker_stop_app_start_app", lambda: self.broker.ctl("stop_app"),
                                recover=lambda: (time.sleep(5), self.broker.ctl("start_app")))

    def broker_kill(self):
        return self.stream_case("broker_kill_9", self.broker.kill9, recover=lambda: (time.sleep(2), self.broker.start()))

    def store_kill(self):
        return self.stream_case("store_kill_9", self.mstore.kill9, recover=lambda: (time.sleep(3), self.mstore.start()))

    def stopped_service(self):
        """milestones frozen (SIGSTOP): its calls answer 503 within the bound, other routes keep answering,
        and a write sent meanwhile is not applied when it wakes up (its deadline passed)."""
        headers = {"Authorization": "Bearer " + self.token}
        version = requests.get(BASE + f"/api/centres/{CENTRE}/milestones", headers=headers, timeout=30).json()
        version = {m["key"]: m["version"] for m in version["milestones"]}["p1_plan"]
        self.services.signal("milestones", signal.SIGSTOP)
        seen, slowest, tag = collections.Counter(), 0.0, "stopped-" + uuid.uuid4().hex[:6]
        try:
            def call(method, url, **kw):
                nonlocal slowest
                started = time.monotonic()
                try:
                    status = requests.request(method, BASE + url, headers=headers, timeout=30, **kw).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                slowest = max(slowest, time.monotonic() - started)
                seen["{} {}".format(url.split("?")[0], status)] += 1
            threads = [threading.Thread(target=call, args=("POST", f"/api/centres/{CENTRE}/milestones/p1_plan/progress"),
                                        kwargs={"json": {"status": "in_progress", "note": f"{tag}-{i}",
                                           "based_on_version": version}}) for i in range(15)]
            threads += [threading.Thread(target=call, args=("GET", "/api/centres/" + CENTRE)) for _ in range(10)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        finally:
            self.services.signal("milestones", signal.SIGCONT)
        time.sleep(8)  # it wakes up and works through its queue
        applied = sum(stored_notes(tag).values())
        self.report({"case": "rpc_to_stopped_service", "callers_saw": dict(seen), "slowest_answer_s": round(slowest, 1),
                     "writes_applied_after_callers_gave_up": applied, "ok": applied == 0})

    def handler_store_unreachable(self):
        """The milestones store is down while an inspection is recorded: its handler is retried with
        backoff and parked; after the store is back, ``cctrack events replay --all`` applies it."""
        centre, key = "js01-c03", "p4_self_check"
        self.mstore.kill9()
        body = {"kind": "self_check", "measurements": _passing("community")}
        headers = {"Authorization": "Bearer " + self.token, "Idempotency-Key": uuid.uuid4().hex}
        for _ in range(10):  # as a client does: retried with the same key until answered
            recorded = requests.post(BASE + f"/api/centres/{centre}/inspections", json=body, timeout=30,
                                     headers=headers)
            if recorded.status_code < 500:
                break
            time.sleep(1)
        parked = infra.wait(lambda: json.loads(cli("events", "dead-letters", "--json").stdout or "[]"), 180, "parking")
        listed = json.loads(cli("events", "dead-letters", "--json").stdout)
        self.mstore.start()
        infra.wait(healthy, 60, "milestones store back")
        replay = cli("events", "replay", "--all")
        applied = infra.wait(lambda: self.milestone_status(key, centre) == "done", 60, "the replayed event applied")
        left = json.loads(cli("events", "dead-letters", "--json").stdout)
        self.report({"case": "handler_with_store_unreachable", "inspection_status": recorded.status_code,
                     "parked_after_s": round(parked, 1),
                     "dead_letters": [(d["service"], d["handler"], d["attempts"]) for d in listed],
                     "replay": replay.stdout.strip().splitlines()[-1:], "applied_after_replay_s": round(applied, 1),
                     "dead_letters_left": len(left), "ok": bool(listed) and not left})

    def notification_replicas(self):
        """A second notifications replica; scans and delivery rounds run on both at once."""
        self.services.start("notifications", "NotificationsService", label="notifications#2")
        time.sleep(8)
        headers = {"Authorization": "Bearer " + self.token}
        outs = []

        def scan():
            outs.append(requests.post(BASE + "/api/overdue/scan", json={"as_of": "2018-01-05"}, headers=headers,
                                      timeout=150).status_code)
        threads = [threading.Thread(target=scan) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(200)
        client = MongoClient(infra.store_uri(infra.STORE_PORT))
        notices = list(client[PREFIX + "_notifications"].notices.find({}, {"item_key": 1, "step": 1, "recipient": 1}))
        client.close()
        triples = collections.Counter((n.get("item_key"), n.get("step"), n.get("recipient")) for n in notices)
        self.services.stop("notifications#2")
        self.report({"case": "two_notification_replicas", "scans": collections.Counter(outs), "notices": len(notices),
                     "duplicated": sum(c - 1 for c in triples.values()), "ok": bool(notices) and set(outs) == {200}})


def _passing(level):
    from tests.support.inspections import at_threshold

    return at_threshold(level)


CASES = ["kill_" + name for name, _ in infra.services()] + [
         "broker_restart", "broker_kill", "store_kill", "stopped_service", "handler_store_unreachable",
         "notification_replicas"]


def main(argv):
    wanted = argv or CASES
    suite = Suite()
    try:
        suite.up()
        for case in wanted:
            try:
                if case.startswith("kill_"):
                    suite.kill_service(case[len("kill_"):])
                else:
                    getattr(suite, case)()
            except Exception as exc:  # a case that breaks is a missed target, not the end of the suite
                suite.report({"case": case, "error": f"{type(exc).__name__}: {exc}"[:300], "ok": False})
    finally:
        suite.down()
    missed = [r["case"] for r in suite.results if r["verdict"] != "ok"]
    print("[faults] {} cases, {} missed a target{}".format(len(suite.results), len(missed),
                                                          ": " + ", ".join(missed) if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
