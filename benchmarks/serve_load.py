"""Benchmark: `arcrime serve` under load — N concurrent clients on the loopback address.

    python benchmarks/serve_load.py --model models/quickstart --clients 8 --duration 30

Starts the real server (``arcrime serve``, its own process), then runs two phases of ``--duration``
seconds each: one client alone, then ``--clients`` concurrent clients. Every client keeps one HTTP
connection open and sends ``POST /v1/predict`` with a test-split article and an id of its own,
back to back. A response counts as correct only if it is a 200 whose ``id`` is the one sent and
whose labels are a subset of the model's; anything else is an error, and a request sent without a
response is lost. Prints JSON and writes ``benchmarks/results/serve_load[_NAME].json`` with p50/p95
latency, throughput and the server's batching counters (requests per engine call); exits 1 on any
error or lost request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _meta import meta  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> dict:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        return json.loads(c.getresponse().read())
    finally:
        c.close()


def start_server(model: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    proc = subprocess.Popen([sys.executable, "-m", "arcrime.cli", "serve", "--model", model, "--port", str(port)],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}; see {log}")
        try:
            if get(port, "/v1/health")["status"] == "ok":
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the server did not answer /v1/health within 300 s")


def run_phase(port: int, clients: int, duration: float, texts: list[str], labels: set[str]) -> dict:
    lat: list[float] = []
    counts = {"sent": 0, "ok": 0, "errors": 0}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        i = 0
        while time.monotonic() < stop_at[0]:
            rid = f"c{k}-{i}"
            body = json.dumps({"id": rid, "text": texts[(k * 7919 + i) % len(texts)]}, ensure_ascii=False).encode()
            with lock:
                counts["sent"] += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                dt = time.perf_counter() - t0
                out = json.loads(data)
                good = resp.status == 200 and out.get("id") == rid and set(out.get("labels", ["?"])) <= labels
                why = None if good else f"{resp.status} {data[:200]!r}"
            except (OSError, http.client.HTTPException, ValueError) as e:
                dt, why = time.perf_counter() - t0, f"{type(e).__name__}: {e}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            with lock:
                if why is None:
                    counts["ok"] += 1
                    lat.append(dt)
                else:
                    counts["errors"] += 1
                    errors.append(why)
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    before = get(port, "/v1/health")["batching"]
    t0 = time.monotonic()
    stop_at[0] = t0 + duration
    start.wait()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    after = get(port, "/v1/health")["batching"]
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [lat[0] * 1000] * 99
    calls = after["engine_calls"] - before["engine_calls"]
    reqs = after["requests"] - before["requests"]
    return {"clients": clients, "seconds": round(wall, 2), "requests_sent": counts["sent"], "ok": counts["ok"],
            "errors": counts["errors"], "lost": counts["sent"] - counts["ok"] - counts["errors"],
            "first_errors": errors[:5],
            "throughput_rps": round(counts["ok"] / wall, 2),
            "latency_ms": {"p50": round(q[49] * 1000, 1), "p95": round(q[94] * 1000, 1),
                           "max": round(max(lat) * 1000, 1), "mean": round(statistics.fmean(lat) * 1000, 1)},
            "server": {"requests": reqs, "engine_calls": calls,
                       "requests_per_engine_call": round(reqs / calls, 2) if calls else None}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models/quickstart"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    ap.add_argument("--name", default="", help="suffix of the result file")
    a = ap.parse_args()
    if a.clients < 1 or a.duration <= 0:
        raise SystemExit("--clients must be >= 1 and --duration > 0")
    if not Path(a.model).is_dir():
        raise SystemExit(f"{a.model}: no such model folder (train one: bash scripts/quickstart.sh)")
    texts = [json.loads(x)["text"] for x in (ROOT / "data/test.jsonl").read_text(encoding="utf-8").splitlines() if x]
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"serve_load_{port}.log"
    proc = start_server(a.model, port, log)
    try:
        health = get(port, "/v1/health")
        labels = set(health["labels"])
        run_phase(port, 1, min(3.0, a.duration), texts, labels)  # warm-up, not recorded
        phases = [run_phase(port, 1, a.duration, texts, labels),
                  run_phase(port, a.clients, a.duration, texts, labels)]
    finally:
        proc.terminate()
        proc.wait(30)
    chars = [len(t) for t in texts]
    out = {"benchmark": "serve_load", **meta(), "model": Path(a.model).resolve().name,
           "endpoint": "POST /v1/predict (no evidence)", "address": "127.0.0.1 (loopback)",
           "articles": {"source": "data/test.jsonl", "count": len(texts), "median_chars": statistics.median(chars)},
           "phases": phases,
           "zero_errors_and_losses": all(p["errors"] == 0 and p["lost"] == 0 for p in phases)}
    text = json.dumps(out, ensure_ascii=False, indent=2)
    print(text)
    res = ROOT / "benchmarks" / "results" / f"serve_load{'_' + a.name if a.name else ''}.json"
    res.write_text(text + "\n", encoding="utf-8")
    if not out["zero_errors_and_losses"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
