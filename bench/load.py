"""A load generator that runs in its own process, so it does not share the bot's GIL."""

from __future__ import annotations

import http.client
import multiprocessing
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class PreparedRequest:
    body: bytes
    headers: dict[str, str]


def _client(url: str, requests: list[PreparedRequest], out: list[float], errors: list[int]) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for request in requests:
        started = time.perf_counter()
        connection.request("POST", parts.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        out.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(response.status)


def _run(urls: list[str], requests: list[PreparedRequest], concurrency: int, queue) -> None:  # type: ignore[no-untyped-def]
    shares = [requests[i::concurrency] for i in range(concurrency)]
    latencies: list[list[float]] = [[] for _ in shares]
    errors: list[int] = []
    # Connection i goes to bot process i mod n, as a load balancer in front of replicas would.
    threads = [
        threading.Thread(target=_client, args=(urls[i % len(urls)], share, latencies[i], errors))
        for i, share in enumerate(shares)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    queue.put(([x for part in latencies for x in part], errors, elapsed))


def send(
    url: str | list[str], requests: list[PreparedRequest], concurrency: int
) -> tuple[list[float], list[int], float]:
    """Send every request with `concurrency` keep-alive connections from a child process,
    spread over the given URLs (one per bot process).

    Returns (latencies in seconds, non-200 statuses, wall time)."""
    urls = [url] if isinstance(url, str) else url
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(urls, requests, concurrency, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join()
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
