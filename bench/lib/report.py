#!/usr/bin/env python3
"""Turns the JSON lines that compare-peers.sh collects into the results JSON and a Markdown table.

    report.py RESULTS.jsonl OUT.json OUT.md
    report.py EARLIER.json OUT.json OUT.md     (re-render an earlier results file)

Lines have a "type": "machine" (facts about the machine and the run), "system" (one system's
status, versions, settings, idle memory, stored-row check) or "load" (one oha run, from
run-load.py). The Markdown is ready to paste into BENCHMARKS.md. Ratios are Yui / peer: above 1
means Yui does more for throughput, below 1 means Yui is lower for latency and memory.
"""

from __future__ import annotations

import json
import sys

YUI = "yui"
NAMES = {"yui": "Yui", "directus": "Directus", "nocodb": "NocoDB"}


def read_lines(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def median_low(values: list):
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def summarise_system(name: str, lines: list[dict]) -> dict:
    """One system over all rounds: the median round's load per connection count, with the range."""
    rounds = [l for l in lines if l["type"] == "system" and l["system"] == name]
    good = [r for r in rounds if r.get("status") == "ok"]
    if not good:
        last = rounds[-1]
        return {"status": last.get("status"), "reason": last.get("reason"), "loads": []}
    entry = {
        "status": "ok",
        "facts": good[-1].get("facts") or {},
        "rounds": len(good),
        "ready_s": median_low([r["ready_s"] for r in good]),
        "idle_rss_mib": median_low([r["idle_rss_mib"] for r in good]),
        "rows_acknowledged": sum(r.get("rows_acknowledged") or 0 for r in good),
        "rows_in_flight_at_deadline": sum(r.get("rows_in_flight_at_deadline") or 0 for r in good),
        "loadavg_before": [r.get("loadavg_before") for r in good],
        "loads": [],
    }
    stored = [r.get("rows_stored") for r in good]
    entry["rows_stored"] = None if any(v is None for v in stored) else sum(stored)
    measured = [
        l for l in lines if l["type"] == "load" and l["system"] == name and l.get("phase") == "measure"
    ]
    for conns in sorted({l["concurrency"] for l in measured}):
        runs = sorted((l for l in measured if l["concurrency"] == conns), key=lambda l: l["ok_per_s"])
        # The median of the rounds that other work did not disturb (of all rounds if it
        # disturbed every one); the range still spans all rounds.
        quiet = [l for l in runs if not is_disturbed(l)] or runs
        chosen = dict(quiet[(len(quiet) - 1) // 2])
        chosen["quiet_rounds"] = len(quiet) if quiet is not runs else sum(not is_disturbed(l) for l in runs)
        for k in ("type", "system", "phase"):
            chosen.pop(k, None)
        chosen["rounds"] = len(runs)
        chosen["ok_per_s_min"] = runs[0]["ok_per_s"]
        chosen["ok_per_s_max"] = runs[-1]["ok_per_s"]
        chosen["disturbed"] = is_disturbed(chosen)
        entry["loads"].append(chosen)
    return entry


def assemble(lines: list[dict]) -> dict:
    machine = next((l for l in lines if l["type"] == "machine"), {})
    names = list(dict.fromkeys(l["system"] for l in lines if l["type"] == "system"))
    return {
        "machine": {k: v for k, v in machine.items() if k != "type"},
        "systems": {name: summarise_system(name, lines) for name in names},
        "runs": [l for l in lines if l["type"] in ("system", "load")],
    }


def is_disturbed(load: dict) -> bool:
    """Other processes used more than a quarter of a core during the load."""
    other, elapsed = load.get("other_cpu_s"), load.get("elapsed_s")
    return other is not None and bool(elapsed) and other > 0.25 * elapsed


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def ratio(a, b) -> str:
    if a is None or b in (None, 0):
        return "—"
    return f"{a / b:.2f}×"


def label(name: str, entry: dict) -> str:
    facts = entry.get("facts") or {}
    shown = facts.get("name") or NAMES.get(name, name)
    version = facts.get("version")
    return f"{shown} {version}" if version else shown


def load_at(entry: dict, conns: int) -> dict | None:
    return next((l for l in entry.get("loads", []) if l["concurrency"] == conns), None)


def markdown(result: dict) -> str:
    m = result["machine"]
    systems = result["systems"]
    conns = sorted({l["concurrency"] for e in systems.values() for l in e.get("loads", [])}) or m.get("concurrency", [])
    out = []
    out.append(f"### Submissions: Yui and its peers on SQLite ({m.get('date', '')})")
    out.append("")
    out.append(
        f"Machine: {m.get('cpu_model', '?')}, {m.get('nproc', '?')} cores, {m.get('mem_total_gib', '?')} GiB, "
        f"Linux {m.get('kernel', '?')}. {m.get('pinning', '')} "
        f"Each load: oha {m.get('oha', '?')}, {m.get('duration', '?')} after a {m.get('warmup', '?')} warm-up, "
        f"one POST per submission with the same 15 answers, loopback."
        + (f" Servers and oha at niceness {m['nice']}." if m.get("nice") not in (None, 0) else "")
        + (
            f" {m['repeat']} rounds, each on fresh data; shown is the median of the rounds not disturbed by other work"
            " (of all rounds if every one was), with the range of submissions/s over all rounds."
            if (m.get("repeat") or 1) > 1
            else ""
        )
    )
    out.append("")
    out.append(
        "| System | Connections | Submissions/s | p50 ms | p99 ms | Errors | Non-2xx | Idle RSS MiB | Peak RSS MiB "
        "| Server CPU ms/submission | Server writes KiB/submission | Other CPU s |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, entry in systems.items():
        if entry.get("status") != "ok":
            out.append(f"| {label(name, entry)} | — | {entry.get('status', '?')}: {entry.get('reason', '')} | | | | | | | | | |")
            continue
        for c in conns:
            l = load_at(entry, c)
            if not l:
                continue
            rate = fmt(l["ok_per_s"])
            if l.get("rounds", 1) > 1:
                rate += f" ({fmt(l['ok_per_s_min'])}–{fmt(l['ok_per_s_max'])})"
            out.append(
                f"| {label(name, entry)} | {c} | {rate} | {fmt(l['p50_ms'])} | {fmt(l['p99_ms'])} | "
                f"{fmt(l['errors'])} | {fmt(l['non_2xx'])} | {fmt(entry.get('idle_rss_mib'))} | "
                f"{fmt(l.get('peak_rss_mib'))} | {fmt(l.get('server_cpu_ms_per_ok'), 2)} | "
                f"{fmt(l.get('server_write_kib_per_ok'))} | {fmt(l.get('other_cpu_s'))} |"
            )
    yui = systems.get(YUI)
    peers = [n for n in systems if n != YUI and systems[n].get("status") == "ok"]
    if peers:
        out.append("")
        out.append("Ratios Yui / peer (throughput: above 1 is better for Yui; p99 and memory: below 1 is better for Yui).")
        out.append("")
        out.append("| Peer | Connections | Submissions/s | p99 | Peak RSS |")
        out.append("|---|---:|---:|---:|---:|")
        for name in peers:
            for c in conns:
                l = load_at(systems[name], c)
                y = load_at(yui, c) if yui and yui.get("status") == "ok" else None
                if not l:
                    continue
                if y is None:
                    why = "Yui not yet available" if yui else "Yui not run"
                    out.append(f"| {label(name, systems[name])} | {c} | {why} | — | — |")
                    continue
                out.append(
                    f"| {label(name, systems[name])} | {c} | {ratio(y['ok_per_s'], l['ok_per_s'])} | "
                    f"{ratio(y['p99_ms'], l['p99_ms'])} | {ratio(y.get('peak_rss_mib'), l.get('peak_rss_mib'))} |"
                )
    disturbed = [
        f"{label(name, entry)} at {l['concurrency']}"
        for name, entry in systems.items()
        for l in entry.get("loads", [])
        if is_disturbed(l)
    ]
    if disturbed:
        out.append("")
        out.append(
            "**Disturbed:** other work on the machine used more than a quarter of a core during "
            + ", ".join(disturbed)
            + ". Rerun on a quiet machine before quoting these numbers."
        )
    out.append("")
    out.append(
        "Other CPU s: CPU time that neither the server nor oha used during the load (other work on "
        "the machine); well above zero means the load was disturbed. Server writes: bytes the kernel "
        "attributes to the server (database, journal, logs), per successful submission."
    )
    out.append("")
    out.append("Settings of each system:")
    out.append("")
    for name, entry in systems.items():
        facts = entry.get("facts") or {}
        if not facts:
            continue
        parts = [facts.get("endpoint"), facts.get("durability"), facts.get("settings")]
        extra = []
        if facts.get("node"):
            extra.append(f"Node.js {facts['node']}")
        if facts.get("sqlite"):
            extra.append(f"SQLite {facts['sqlite']}")
        if entry.get("rows_stored") is not None:
            extra.append(
                f"rows stored {entry['rows_stored']:,} (acknowledged {entry.get('rows_acknowledged', 0):,}, "
                f"in flight when a load ended {entry.get('rows_in_flight_at_deadline', 0):,})"
            )
        text = "; ".join(p for p in parts + extra if p)
        out.append(f"- **{label(name, entry)}**: {text}.")
    out.append("")
    return "\n".join(out)


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    lines_path, json_path, md_path = sys.argv[1:4]
    if lines_path.endswith(".json"):
        # Re-render an earlier results file (its "runs" keep every line but the machine's).
        with open(lines_path, encoding="utf-8") as f:
            earlier = json.load(f)
        lines = [{"type": "machine", **earlier["machine"]}, *earlier["runs"]]
    else:
        lines = read_lines(lines_path)
    result = assemble(lines)
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=2)
        f.write("\n")
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
