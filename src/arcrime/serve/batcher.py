"""Micro-batching in front of the inference engine.

A single worker thread owns the predictor. Requests put their records on a queue; the worker takes
the first waiting request, then whatever else arrives within ``max_wait`` seconds (up to
``max_records`` records), runs all of them through one ``predict_records`` call — the engine the
CLI uses, which length-sorts windows and packs them into batches — and hands each request its own
results. Concurrent requests therefore share forward passes instead of competing for the cores.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..prediction import Predictor


@dataclass
class _Job:
    records: list[dict[str, Any]]
    future: Future = field(default_factory=Future)


class MicroBatcher:
    """Queue records from many callers into shared engine calls.

    Args:
        predictor: any :class:`~arcrime.prediction.Predictor` (BERT, ONNX or baseline); its
            predictions are handed to the callers as JSON dicts (the web API's boundary).
        max_records: stop gathering requests once this many records are waiting (a single larger
            request still runs whole).
        max_wait: seconds to wait for more requests after the first one arrives (0: take only the
            requests already queued — under load, those that arrived while the engine was busy).
    """

    def __init__(self, predictor: Predictor, max_records: int = 64, max_wait: float = 0.0):
        if max_records < 1 or max_wait < 0:
            raise ValueError(f"max_records={max_records} must be >= 1 and max_wait={max_wait} >= 0")
        self.predictor, self.max_records, self.max_wait = predictor, max_records, max_wait
        self._q: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stats = {"engine_calls": 0, "requests": 0, "records": 0, "largest_call_requests": 0}

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="arcrime-batcher", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued requests, then stop the worker."""
        with self._lock:
            t, self._thread = self._thread, None
        if t is not None:
            self._q.put(None)
            t.join(timeout)

    def submit(self, records: list[dict[str, Any]]) -> Future:
        """Queue ``records``; the future resolves to their predictions, in order."""
        if self._thread is None:
            raise RuntimeError("MicroBatcher is not running; call start() first")
        job = _Job(list(records))
        if not job.records:
            job.future.set_result([])
            return job.future
        self._q.put(job)
        return job.future

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, n = [first], len(first.records)
        deadline = time.monotonic() + self.max_wait
        while n < self.max_records:
            left = deadline - time.monotonic()
            try:
                job = self._q.get(timeout=left) if left > 0 else self._q.get_nowait()
            except queue.Empty:
                break
            if job is None:
                return jobs, True
            jobs.append(job)
            n += len(job.records)
        return jobs, False

    def _run(self) -> None:
        while True:
            first = self._q.get()
            if first is None:
                return
            jobs, stop = self._gather(first)
            self._execute(jobs)
            if stop:
                return

    def _predict(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.stats["engine_calls"] += 1
        return [p.to_dict() for p in self.predictor.predict_records(records)]

    def _execute(self, jobs: list[_Job]) -> None:
        jobs = [j for j in jobs if j.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        self.stats["requests"] += len(jobs)
        self.stats["records"] += sum(len(j.records) for j in jobs)
        self.stats["largest_call_requests"] = max(self.stats["largest_call_requests"], len(jobs))
        try:
            out = self._predict([r for j in jobs for r in j.records])
        except Exception as e:  # noqa: BLE001 - handed to the caller
            if len(jobs) == 1:
                jobs[0].future.set_exception(e)
                return
            # one request's records broke the shared call: run each alone so the others still succeed
            for j in jobs:
                try:
                    j.future.set_result(self._predict(j.records))
                except Exception as e:  # noqa: BLE001 - handed to the caller
                    j.future.set_exception(e)
            return
        k = 0
        for j in jobs:
            j.future.set_result(out[k: k + len(j.records)])
            k += len(j.records)
