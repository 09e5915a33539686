#!/usr/bin/env python3
"""Medians over the runs of bench/inbox-export.sh, as Markdown tables for BENCHMARKS.md.

    medians.py RESULTS.jsonl

Lines are grouped by backend, submissions and measurement (the inbox page, or the export's
label). Each figure is the median over the runs; the range (lowest to highest) follows where
runs differ enough to matter. Run 0 (the warm-up) is left out.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict

PAGES = ["first", "filtered", "http-first", "http-filtered"]
EXPORTS = ["export-read-pages", "export-csv-use-case", "export-csv", "export-xlsx"]
BACKENDS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(values: list[float]) -> str:
    return f"{med(values):.2f}" if values else "–"


def main() -> None:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for line in open(sys.argv[1], encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        if d.get("run", 1) == 0:
            continue
        what = d.get("page") or d.get("label")
        groups[(d["backend"], d["submissions"], what)].append(d)
    keys = sorted({(b, n) for (b, n, _) in groups}, key=lambda k: (k[1], k[0] != "sqlite"))
    runs = max((len(v) for v in groups.values()), default=0)

    print(f"Inbox (median of {runs} runs; p50 / p99 in ms):\n")
    print("| Submissions | Backend | Use case: first page | Use case: filtered | HTTP: first page | HTTP: filtered |")
    print("|---:|---|---:|---:|---:|---:|")
    for backend, n in keys:
        cells = []
        for page in PAGES:
            lines = groups.get((backend, n, page), [])
            p50 = [l["p50_ms"] for l in lines if "p50_ms" in l]
            p99 = [l["p99_ms"] for l in lines if "p99_ms" in l]
            cells.append(f"{ms(p50)} / {ms(p99)}" if p50 else "–")
        print(f"| {n:,} | {BACKENDS.get(backend, backend)} | " + " | ".join(cells) + " |")

    print(f"\nExports of every row (median of {runs} runs; range of rows/s in brackets):\n")
    print("| Submissions | Backend | What | Seconds | Rows/s | CPU s | Server RSS before → peak (max) |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for backend, n in keys:
        for what in EXPORTS:
            lines = groups.get((backend, n, what), [])
            if not lines:
                continue
            secs = [l["seconds"] for l in lines]
            rates = [l["rows_per_s"] for l in lines]
            cpu = [l["cpu_seconds"] for l in lines if "cpu_seconds" in l]
            before = [l["rss_before_mib"] for l in lines if "rss_before_mib" in l]
            peak = [l["peak_rss_mib"] for l in lines if "peak_rss_mib" in l]
            rss = f"{med(before):.1f} → {med(peak):.1f} ({max(peak):.1f}) MiB" if peak else "–"
            rate = f"{med(rates):,.0f} [{min(rates):,.0f}–{max(rates):,.0f}]"
            print(
                f"| {n:,} | {BACKENDS.get(backend, backend)} | {what} | {med(secs):.2f} | {rate} | "
                f"{ms(cpu) if cpu else '–'} | {rss} |"
            )


if __name__ == "__main__":
    main()
