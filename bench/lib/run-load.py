#!/usr/bin/env python3
"""Runs one oha load against a server and prints one JSON line with what Yui reports.

Subcommands:
  load  run oha (no TUI, JSON output, fixed connections, bounded duration) while sampling the
        server's memory every 100 ms; print throughput of 2xx answers, p50/p99 of 2xx answers,
        transport errors, non-2xx answers, peak RSS and the server's CPU time.
  rss   print the server's current RSS (its process and all its descendants), in MiB.

The server is named by --pid; its children count too (a server that forks workers is measured
whole). Only loopback targets are accepted. Standard library only, so it runs wherever python3
does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time

KEY_PLACEHOLDER = "{key}"
KEY_REGEX = "[a-z0-9]{24}"
# oha stops in-flight requests when the duration ends and counts them as errors with this
# text; they are a property of the deadline, not of the server, so they are reported apart.
DEADLINE_ERROR = "aborted due to deadline"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """pid and every process below it, found through /proc/<pid>/task/<tid>/children."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue  # the process ended between two reads
    return found


def status_kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid: int) -> int:
    return sum(status_kib(p, "VmRSS") for p in descendants(pid))


def tree_cpu_seconds(pid: int) -> float:
    ticks = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                # Fields after the command name, which may itself contain spaces or ')'.
                rest = f.read().rsplit(")", 1)[1].split()
            ticks += int(rest[11]) + int(rest[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time all CPUs spent not idle since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user). Interrupt
    # time is left out: loopback traffic of the load itself is handled there.
    user, nice, system, steal = fields[0], fields[1], fields[2], fields[7]
    return (user + nice + system + steal) / CLK_TCK


def disk_written_bytes() -> int:
    """Bytes written to all whole disks since boot, from /proc/diskstats."""
    total = 0
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                parts = line.split()
                name = parts[2]
                if re.fullmatch(r"(sd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)", name):
                    total += int(parts[9]) * 512  # sectors written
    except OSError:
        pass
    return total


def tree_written_bytes(pid: int) -> int:
    """Bytes the process tree caused to be written to storage (/proc/<pid>/io write_bytes)."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/io") as f:
                for line in f:
                    if line.startswith("write_bytes:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class RssSampler(threading.Thread):
    """Samples the tree's RSS every interval until stopped; keeps the highest value."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(self.pid))
            self.samples += 1
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


# oha's --rand-regex-url reads '.' as a literal dot and garbles an escaped one ('\.' turns
# into random characters, which moves the host), so dots stay as they are and only the other
# metacharacters are escaped.
REGEX_META = set("\\^$|?*+()[]{}")


def escape_for_oha(text: str) -> str:
    return "".join("\\" + c if c in REGEX_META else c for c in text)


def url_regex(url: str) -> str:
    """The literal URL as an oha --rand-regex-url pattern, {key} becoming a random key."""
    parts = url.split(KEY_PLACEHOLDER)
    return KEY_REGEX.join(escape_for_oha(p) for p in parts)


LOOPBACK = re.compile(r"^https?://(127(?:\.\d{1,3}){3}|localhost|\[::1\])(:\d+)?/")


def check_loopback(args: argparse.Namespace) -> None:
    """Refuses any target off this machine, and checks what oha will really request.

    A load must never leave the loopback interface; a pattern that oha expanded differently
    than intended once would have sent it elsewhere.
    """
    m = LOOPBACK.match(args.url)
    if not m:
        raise SystemExit(f"refusing {args.url}: loads go to loopback addresses only")
    if KEY_PLACEHOLDER not in args.url:
        return
    prefix = m.group(0)
    dumped = subprocess.run(
        [args.oha, "--rand-regex-url", "--dump-urls", "5", url_regex(args.url)],
        capture_output=True, text=True, check=False,
    )
    urls = dumped.stdout.split()
    expected = re.compile(re.escape(args.url).replace(re.escape(KEY_PLACEHOLDER), "[a-z0-9]{24}"))
    if dumped.returncode != 0 or not urls or not all(u.startswith(prefix) and expected.fullmatch(u) for u in urls):
        raise SystemExit(f"oha would not request {args.url} as intended: {urls[:2]} {dumped.stderr.strip()}")


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def parse_duration(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", text)
    if not m:
        raise SystemExit(f"bad duration {text!r} (use e.g. 20s)")
    value, unit = float(m.group(1)), m.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


def oha_command(args: argparse.Namespace, body_path: str | None) -> list[str]:
    cmd = []
    if args.oha_cpus:
        cmd += ["taskset", "-c", args.oha_cpus]
    cmd += [args.oha, "--no-tui", "--output-format", "json", "--stats-success-breakdown"]
    # -r 0: a redirect after a form POST is the answer measured, not a second request.
    cmd += ["-c", str(args.concurrency), "-z", args.duration, "-m", args.method, "-r", "0"]
    if args.timeout:
        cmd += ["-t", args.timeout]
    if body_path:
        cmd += ["-D", body_path]
    if args.content_type:
        cmd += ["-T", args.content_type]
    for header in args.header:
        cmd += ["-H", header]
    if KEY_PLACEHOLDER in args.url:
        cmd += ["--rand-regex-url", url_regex(args.url)]
    else:
        cmd += [args.url]
    return cmd


def is_ok(status: int, redirect_ok: bool) -> bool:
    return 200 <= status < 300 or (redirect_ok and 300 <= status < 400)


def summarise(report: dict, wall: float, redirect_ok: bool = False) -> dict:
    """The numbers Yui reports, from oha's JSON report."""
    codes = {int(k): v for k, v in (report.get("statusCodeDistribution") or {}).items()}
    ok = sum(v for k, v in codes.items() if is_ok(k, redirect_ok))
    non_2xx = sum(v for k, v in codes.items() if not is_ok(k, redirect_ok))
    errors = dict(report.get("errorDistribution") or {})
    deadline = sum(v for k, v in errors.items() if DEADLINE_ERROR in k)
    transport = {k: v for k, v in errors.items() if DEADLINE_ERROR not in k}
    elapsed = (report.get("summary") or {}).get("total") or wall
    # When every answer was a success the percentiles of all answers are the ones wanted (this
    # also covers a form that answers 303). Otherwise oha's 2xx-only percentiles
    # (--stats-success-breakdown) keep fast failures from flattering the latency.
    if non_2xx == 0 or "latencyPercentilesSuccessful" not in report:
        pct, latency_of = report.get("latencyPercentiles") or {}, "all answers"
    else:
        pct, latency_of = report["latencyPercentilesSuccessful"] or {}, "2xx answers"
    return {
        "elapsed_s": round(elapsed, 2),
        "ok": ok,
        "ok_per_s": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": ms(pct.get("p50")),
        "p99_ms": ms(pct.get("p99")),
        "latency_of": latency_of,
        "errors": sum(transport.values()),
        "error_kinds": transport,
        "deadline_aborted": deadline,
        "non_2xx": non_2xx,
        "status_codes": {str(k): v for k, v in sorted(codes.items())},
    }


def cmd_load(args: argparse.Namespace) -> int:
    check_loopback(args)
    body_path = None
    tmp = None
    if args.body_file:
        with open(args.body_file, "rb") as f:
            body = f.read()
        # A body file edited by hand may end in a newline that is not part of the form.
        body = body.rstrip(b"\r\n") if args.strip_newline else body
        tmp = tempfile.NamedTemporaryFile(prefix="yui-bench-body-", delete=False)
        tmp.write(body)
        tmp.close()
        body_path = tmp.name
    cmd = oha_command(args, body_path)
    sampler = RssSampler(args.pid) if args.pid else None
    cpu_before = tree_cpu_seconds(args.pid) if args.pid else 0.0
    busy_before, oha_before = machine_busy_seconds(), children_cpu_seconds()
    disk_before = disk_written_bytes()
    server_written_before = tree_written_bytes(args.pid) if args.pid else 0
    if sampler:
        sampler.start()
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        if tmp:
            os.unlink(tmp.name)
        wall = time.monotonic() - started
        busy = machine_busy_seconds() - busy_before
        oha_cpu = children_cpu_seconds() - oha_before
        disk_written = disk_written_bytes() - disk_before
        if sampler:
            sampler.stop()
    if proc.returncode != 0:
        print(f"oha failed ({proc.returncode}): {proc.stderr.strip()}", file=sys.stderr)
        return 1
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        print(f"oha printed no JSON ({e}): {proc.stdout[:500]}", file=sys.stderr)
        return 1
    line = dict(kv.split("=", 1) for kv in args.tag)
    line.update(
        {
            "concurrency": args.concurrency,
            "duration": args.duration,
            **summarise(report, wall, args.redirect_ok),
        }
    )
    if args.pid:
        cpu = tree_cpu_seconds(args.pid) - cpu_before
        line["server_cpu_s"] = round(cpu, 2)
        line["server_cpu_ms_per_ok"] = round(cpu * 1000 / line["ok"], 3) if line["ok"] else None
        line["peak_rss_mib"] = mib(sampler.peak_kib) if sampler else None
        line["hwm_mib"] = mib(status_kib(args.pid, "VmHWM"))
        line["rss_samples"] = sampler.samples if sampler else 0
        # The machine is shared: CPU time spent by neither the server nor oha shows whether
        # something else ran during the load and disturbed it.
        line["oha_cpu_s"] = round(oha_cpu, 2)
        line["other_cpu_s"] = round(max(busy - cpu - oha_cpu, 0.0), 2)
        # What one submission costs in writes (WAL or rollback journal, database pages, logs),
        # as the kernel attributes them to the server; the whole disk's writes also hold the
        # file system's own journal and any other process's writes.
        written = tree_written_bytes(args.pid) - server_written_before
        line["server_write_mib"] = round(written / 1048576, 1)
        line["server_write_kib_per_ok"] = round(written / 1024 / line["ok"], 1) if line["ok"] else None
        line["disk_write_mib"] = round(disk_written / 1048576, 1)
    if args.raw:
        with open(args.raw, "w") as f:
            f.write(proc.stdout)
    print(json.dumps(line, ensure_ascii=False))
    return 0


def cmd_rss(args: argparse.Namespace) -> int:
    print(mib(tree_rss_kib(args.pid)))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="run one load and print a JSON line")
    load.add_argument("--url", required=True, help=f"target URL; {KEY_PLACEHOLDER} becomes a random key per request")
    load.add_argument("--method", default="POST")
    load.add_argument("--body-file")
    load.add_argument("--strip-newline", action="store_true", help="drop a trailing newline from the body file")
    load.add_argument("--content-type")
    load.add_argument("--header", action="append", default=[], help="extra header, 'Name: value' (repeatable)")
    load.add_argument("-c", "--concurrency", type=int, default=16)
    load.add_argument("-z", "--duration", default="20s")
    load.add_argument("-t", "--timeout", default="30s", help="per-request timeout (oha -t)")
    load.add_argument("--redirect-ok", action="store_true", help="count 3xx answers as successes (form POST then redirect)")
    load.add_argument("--pid", type=int, help="server process to measure")
    load.add_argument("--oha", default="oha")
    load.add_argument("--oha-cpus", help="pin oha to these CPUs with taskset, e.g. 0")
    load.add_argument("--tag", action="append", default=[], help="key=value copied into the JSON line")
    load.add_argument("--raw", help="also save oha's full JSON report here")
    load.set_defaults(func=cmd_load)

    rss = sub.add_parser("rss", help="print the server's current RSS in MiB")
    rss.add_argument("--pid", type=int, required=True)
    rss.set_defaults(func=cmd_rss)

    args = parser.parse_args()
    if args.command == "load":
        parse_duration(args.duration)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
