"""A bounded load test of ``footprint serve`` on loopback: ListFootprints and GetFootprint over TLS.

The real server (uvicorn, one process, TLS with a throw-away certificate) runs in a child process;
``--connections`` client threads, each with one keep-alive HTTPS connection and one access token,
send ``--requests`` requests in total, alternating ListFootprints (``limit=10``, a page of PACT
records) and GetFootprint (a published id, drawn with a fixed seed).  Every answer must be 200 with
the expected number of records, else the run fails.  Reported: requests/s over the whole run, and
p50/p99 latency per action.

The records are the example suppliers' declarations (examples/suppliers/*.json) and copies of them
under new ids (--records in total), half published to the benchmark's client, half to everyone.

Run: ``python -m bench.load [--requests 1000] [--connections 10] [--records 50] [--db URL]``.
"""
from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import ssl
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def _records(count: int) -> list[dict]:
    import footprint
    from footprint.declaration.declaration import content_hash

    bases = [footprint.read_declaration(p) for p in sorted((REPO / "examples" / "suppliers").glob("*.json"))]
    out = []
    for k in range(count):
        document = copy.deepcopy(bases[k % len(bases)])
        if k >= len(bases):
            document["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-load-{k}')}"
            document["declarant"]["name"] += f" #{k}"
            document["content_sha256"] = content_hash(document)
        out.append(document)
    return out


def _kind(database: str) -> str:
    scheme = database.split("://", 1)[0] if "://" in database else "sqlite"
    return "SQLite" if scheme.startswith("sqlite") else "PostgreSQL" if scheme.startswith("postgres") else scheme


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(requests: int, connections: int, records: int, database: str | None) -> int:
    import httpx

    from footprint.export.pact import to_pact
    from footprint.server.publish import publish
    from footprint.server.store import Store
    from liveserver import LiveServer, make_certificate

    work = Path(tempfile.mkdtemp(prefix="footprint-load-"))
    os.environ["FOOTPRINT_HOME"] = str(work)
    database = database or str(work / "footprint.sqlite")
    try:
        store = Store(database)
        store.prepare()
        secret = store.add_client("bench")
        documents = _records(records)
        for k, document in enumerate(documents):
            publish(document, to=["bench"] if k % 2 else [], public=not k % 2, database=database)
        ids = [to_pact(d)["id"] for d in documents]
        cert, key = make_certificate(work)
        server = LiveServer(database, cert, key, work, work / "access.log")
        context = ssl.create_default_context(cafile=str(cert))
        latencies: dict[str, list[float]] = {"ListFootprints": [], "GetFootprint": []}
        errors: list[str] = []
        lock = threading.Lock()
        rng = random.Random(15)
        plan = [("ListFootprints", None) if k % 2 == 0 else ("GetFootprint", rng.choice(ids))
                for k in range(requests)]
        shares = [plan[k::connections] for k in range(connections)]

        def worker(share):
            with httpx.Client(base_url=server.url, verify=context, http2=False,
                              limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)) as client:
                token = client.post("/auth/token", data={"grant_type": "client_credentials"},
                                    auth=("bench", secret)).json()["access_token"]
                headers = {"authorization": f"Bearer {token}"}
                barrier.wait()
                for action, pf_id in share:
                    started = time.perf_counter()
                    if action == "ListFootprints":
                        response = client.get("/3/footprints", params={"limit": 10}, headers=headers)
                        ok = response.status_code == 200 and len(response.json()["data"]) == min(10, records)
                    else:
                        response = client.get(f"/3/footprints/{pf_id}", headers=headers)
                        ok = response.status_code == 200 and response.json()["data"]["id"] == pf_id
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies[action].append(elapsed)
                        if not ok:
                            errors.append(f"{action} {response.status_code}")

        barrier = threading.Barrier(connections + 1)
        threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        server.stop()
        done = sum(len(v) for v in latencies.values())
        print(f"footprint serve load test: {done} requests over {connections} TLS connections on loopback, "
              f"{records} published records, database {_kind(database)}")
        print(f"  throughput: {done / wall:.0f} requests/s ({wall:.2f} s)")
        print(f"  {'action':<16} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        for action, values in latencies.items():
            print(f"  {action:<16} {len(values):>5} {1000 * _percentile(values, 0.50):>8.1f} "
                  f"{1000 * _percentile(values, 0.99):>8.1f} {1000 * statistics.fmean(values):>8.1f}")
        every = [v for values in latencies.values() for v in values]
        print(f"  {'all':<16} {len(every):>5} {1000 * _percentile(every, 0.50):>8.1f} "
              f"{1000 * _percentile(every, 0.99):>8.1f} {1000 * statistics.fmean(every):>8.1f}")
        if errors or done != requests:
            print(f"FAILED: {len(errors)} wrong answers ({errors[:5]}), {done}/{requests} requests done")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--db", help="a database URL (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    return run(args.requests, args.connections, args.records, args.db)


if __name__ == "__main__":
    sys.exit(main())
