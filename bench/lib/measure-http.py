#!/usr/bin/env python3
"""Times staff pages and export downloads of a running Yui server, as a signed-in reviewer.

  measure-http.py pages    --base URL --town T --login L --password P --path PATH [--requests N]
  measure-http.py download --base URL --town T --login L --password P --path PATH --pid PID

`pages` requests PATH N times one after another (after 5 warm-up requests) and prints one JSON
line with p50/p99/mean latency in milliseconds. `download` fetches PATH once, reading the body
as it streams, while sampling the server's resident memory every 20 ms; it prints seconds,
bytes, CSV rows (when the body is CSV) and the server's RSS before and at its peak.

Only loopback addresses are accepted. Standard-library Python only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import ipaddress
import json
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request


def check_loopback(base: str) -> None:
    host = urllib.parse.urlparse(base).hostname or ""
    for info in socket.getaddrinfo(host, None):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            sys.exit(f"refusing {base}: not a loopback address")


def signed_in(base: str, town: str, login: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"login": login, "password": password}).encode()
    opener.open(f"{base}/{town}/staff/login", data=body, timeout=30).read()
    if not any("session" in c.name for c in jar):
        sys.exit("sign-in failed: no session cookie")
    return opener


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p))]


def cmd_pages(args: argparse.Namespace) -> None:
    opener = signed_in(args.base, args.town, args.login, args.password)
    url = args.base + args.path
    times = []
    status = None
    for i in range(5 + args.requests):
        start = time.perf_counter()
        with opener.open(url, timeout=60) as r:
            r.read()
            status = r.status
        if i >= 5:
            times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        "label": args.label, "path": args.path, "status": status, "requests": args.requests,
        "p50_ms": round(percentile(times, 0.50), 2), "p99_ms": round(percentile(times, 0.99), 2),
        "mean_ms": round(sum(times) / len(times), 2),
    }, ensure_ascii=False))


def cmd_download(args: argparse.Namespace) -> None:
    opener = signed_in(args.base, args.town, args.login, args.password)
    before = rss_kib(args.pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(args.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    size = 0
    newlines = 0
    record_ends = 0  # CRLF: CSV records end in CRLF, line breaks inside cells are LF
    last = b""
    first_byte = None
    with opener.open(args.base + args.path, timeout=3600) as r:
        ctype = r.headers.get("Content-Type", "")
        while True:
            chunk = r.read(1 << 20)
            if not chunk:
                break
            if first_byte is None:
                first_byte = time.perf_counter() - start
            size += len(chunk)
            newlines += chunk.count(b"\n")
            record_ends += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    rows = record_ends - 1 if "csv" in ctype else (newlines if "ndjson" in ctype else None)
    print(json.dumps({
        "label": args.label, "path": args.path, "content_type": ctype,
        "seconds": round(seconds, 2), "first_byte_s": round(first_byte or 0, 2),
        "mib": round(size / 1048576, 1), "rows": rows,
        "rows_per_s": round(args.rows / seconds) if args.rows else None,
        "rss_before_mib": round(before / 1024, 1), "peak_rss_mib": round(peak[0] / 1024, 1),
    }, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("pages", "download"):
        p = sub.add_parser(name)
        p.add_argument("--base", required=True)
        p.add_argument("--town", required=True)
        p.add_argument("--login", required=True)
        p.add_argument("--password", required=True)
        p.add_argument("--path", required=True)
        p.add_argument("--label", default="")
    sub.choices["pages"].add_argument("--requests", type=int, default=200)
    sub.choices["download"].add_argument("--pid", type=int, required=True)
    sub.choices["download"].add_argument("--rows", type=int, default=0, help="rows expected, for rows/s")
    args = parser.parse_args()
    check_loopback(args.base)
    {"pages": cmd_pages, "download": cmd_download}[args.command](args)


if __name__ == "__main__":
    main()
