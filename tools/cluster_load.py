"""A load test of the cluster at rising concurrency: `make cluster-load`.

    python tools/cluster_load.py [--if-running]     (against a running `make cluster`)

Virtual users, each a thread with one keep-alive connection to nginx and no think time, do what
the portal's users do, picked at random with these weights: citizens browse the catalogue (list
30, a procedure 15, a search 15), look at the indicator dashboard (5), submit a dossier online
with an Idempotency-Key (10) and track one by its receipt code (10: straight to a node with a
forwarded address each, as from a trusted proxy, so that the per-address limit counts people); receiving officials page
through their queue (API, 15). Concurrency rises CLUSTER_LOAD_STEPS (1,2,4,8,16,32) users for
CLUSTER_LOAD_SECONDS (15) each; for every step it prints requests/s and the p50/p95 of page
reads (everything but submissions) and of submissions, and at the end the concurrency at which
the p95 of page reads first crossed 500 ms. `make bench` runs it when a cluster is running
(``--if-running``: without one it says so and stops).
"""

import base64
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster
from cluster_test import BIRTH, WARD, Client, Run, form, multipart, percentile

STEPS = [int(n) for n in os.environ.get("CLUSTER_LOAD_STEPS", "1,2,4,8,16,32").split(",")]
SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", 15))
THRESHOLD_MS = 500
PROCEDURES = ["1.001193", "1.001612", "1.000894", "1.004194"]
SEARCHES = ["khai sinh", "kinh doanh", "hộ tịch", "đất đai", "thất nghiệp"]
ACTIONS = [
    ("catalogue", 30),
    ("procedure", 15),
    ("search", 15),
    ("dashboard", 5),
    ("submit", 10),
    ("track", 10),
    ("queue", 15),
]


class User:
    def __init__(self, run: Run, index: int, codes: list[str], results: list[Any]) -> None:
        self.client = Client(run)
        # Trackers come each from their own address: straight to a node, as from a trusted
        # proxy (nginx, the edge here, sets the address itself).
        self.tracker = Client(run, cluster.APP_PORTS[index % len(cluster.APP_PORTS)])
        self.run = run
        self.index = index
        self.codes = codes
        self.results = results
        self.rng = random.Random(index)  # noqa: S311 (a workload, not a secret)
        self.lookups = 0

    def act(self) -> None:
        action = self.rng.choices([a for a, _w in ACTIONS], [w for _a, w in ACTIONS])[0]
        began = time.monotonic()
        status = getattr(self, action)()
        self.results.append((action, time.monotonic() - began, status, time.monotonic()))

    def get(self, path: str, headers: dict[str, str] | None = None) -> int:
        status, _data = self.client.request("read", "GET", path, None, headers or {})
        return status

    def catalogue(self) -> int:
        return self.get("/procedures/")

    def procedure(self) -> int:
        return self.get(f"/procedures/{self.rng.choice(PROCEDURES)}/")

    def search(self) -> int:
        return self.get(f"/procedures/?q={quote_plus(self.rng.choice(SEARCHES))}")

    def dashboard(self) -> int:
        return self.get("/chi-so/")

    def queue(self) -> int:
        headers = {"Authorization": f"Bearer {self.run.official}"}
        page = self.rng.randint(1, 3)
        return self.get(f"/api/v1/backoffice/dossiers?filter=new&page={page}", headers)

    def track(self) -> int:
        if not self.codes:
            return self.catalogue()
        self.lookups += 1
        # Each tracker its own (forwarded) address, as different people's are.
        address = f"10.{200 + self.index % 50}.{self.lookups // 250 % 250}.{self.lookups % 250 + 1}"
        code = self.rng.choice(self.codes)
        headers = {"X-Forwarded-For": address}
        status, _data = self.tracker.request(
            "read", "GET", f"/api/v1/tracking/{code}", None, headers
        )
        self.tracker.connection.close()  # uvicorn drops a keep-alive connection idle for 5 s
        return status

    def submit(self) -> int:
        job = self.rng.randrange(10**9)
        body, content_type = multipart(
            {"procedure": BIRTH, "agency": WARD, "form": json.dumps(form(job, self.run.run_id))},
            self.run.pdfs,
        )
        headers = {
            "Content-Type": content_type,
            "Authorization": f"Bearer {self.run.tokens[self.index % len(self.run.tokens)]}",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        status, data = self.client.request("submit", "POST", "/api/v1/dossiers", body, headers)
        if status == 201:
            self.codes.append(json.loads(data)["code"])
        return status


def step(run: Run, users: int, codes: list[str]) -> dict[str, Any]:
    results: list[Any] = []
    stop = time.monotonic() + SECONDS

    def loop(index: int) -> None:
        user = User(run, index, codes, results)
        while time.monotonic() < stop:
            user.act()

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reads = [r[1] * 1000 for r in results if r[0] != "submit"]
    submits = [r[1] * 1000 for r in results if r[0] == "submit"]
    failed = [r for r in results if not 200 <= r[2] < 400]
    return {
        "users": users,
        "rate": len(results) / SECONDS,
        "reads_p50": percentile(reads, 0.5),
        "reads_p95": percentile(reads, 0.95),
        "submit_p50": percentile(submits, 0.5),
        "submit_p95": percentile(submits, 0.95),
        "submits": len(submits),
        "failed": len(failed),
        "failures": sorted({f"{r[0]} {r[2]}" for r in failed}),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    if cluster.pid_of("app1") is None and cluster.pid_of("app2") is None:
        if "--if-running" in sys.argv:  # `make bench`: only when a cluster is up
            print("cluster load: skipped, no cluster running (make cluster, then make bench)")
            return
        raise SystemExit("the cluster is not running: make cluster")
    run_id = f"{int(time.time()) % 100_000:05d}"
    out = cluster.VAR / f"cluster-load-{run_id}.json"
    subprocess.run(  # noqa: S603
        [
            cluster.PYTHON,
            str(Path(__file__).parent / "cluster_test.py"),
            "--setup",
            str(out),
            run_id,
        ],
        env={**cluster.node_env("cluster-load"), "CLUSTER_TEST_CLIENTS": str(max(STEPS))},
        cwd=cluster.ROOT,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    data = json.loads(out.read_text())
    out.unlink()
    run = Run(
        tokens=data["tokens"],
        official=data["official"],
        pdfs={code: base64.b64decode(pdf) for code, pdf in data["pdfs"].items()},
        run_id=run_id,
    )
    codes: list[str] = []
    print(f"cluster load {run_id}: {SECONDS:.0f} s per step, users {STEPS}")
    print("  users   req/s   reads p50/p95 ms   submits p50/p95 ms (n)   failed   load")
    crossed = None
    for users in STEPS:
        r = step(run, users, codes)
        print(
            f"  {r['users']:5d} {r['rate']:7.1f}   {r['reads_p50']:6.0f} / {r['reads_p95']:6.0f}"
            f"     {r['submit_p50']:6.0f} / {r['submit_p95']:6.0f} ({r['submits']})"
            f"   {r['failed']:6d}   {r['load']:.1f}   {' '.join(r['failures'])}"
        )
        if crossed is None and r["reads_p95"] > THRESHOLD_MS:
            crossed = users
    if crossed is None:
        print(f"  p95 of page reads stayed under {THRESHOLD_MS} ms up to {STEPS[-1]} users")
    else:
        print(f"  p95 of page reads crossed {THRESHOLD_MS} ms at {crossed} concurrent users")


if __name__ == "__main__":
    main()
