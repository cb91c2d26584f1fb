"""bench.venue's figures: one row per run, N and state; medians over runs; the tables, the
issue-23 targets beside the figures, and every phone request's status."""

from __future__ import annotations

import collections
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench._venue_phones import EXPECTED, WRITES

KINDS = ("desk", "room", "dashboard")
POSTS = ("reaction", "feedback", "feedback form")


@dataclass
class Row:
    run: int
    n: int
    state: str
    cpu: float | None = None  # the stations, % of one core
    by_kind: dict[str, tuple[int, float]] = field(default_factory=dict)  # kind: (stations, cpu)
    machine: float | None = None  # psutil.cpu_percent over the phase (every core: 100%)
    load: float | None = None  # os.getloadavg()[0] at the phase's end
    hog: float | None = None  # the CPU hog's own share of a core
    server: float | None = None
    mb: float | None = None  # memory per station: resident (RSS) ...
    pss: float | None = None  # ... its share of pages shared with the others (sums to the total)
    uss: float | None = None  # ... its own pages (what one more station adds)
    fps: float | None = None  # frames per second per station
    echo: list[float] = field(default_factory=list)
    results: list[float] = field(default_factory=list)
    banner: list[float] = field(default_factory=list)
    seen: dict[str, list[float]] = field(default_factory=dict)
    phones: dict = field(default_factory=dict)  # the phones' process's result for the phase
    notes: collections.Counter[str] = field(default_factory=collections.Counter)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latencies(row: Row, kinds: tuple[str, ...]) -> list[float]:
    found = row.phones.get("latency", {})
    return [x for k in kinds for x in found.get(k, [])]


def figures(row: Row, base: Row | None) -> dict[str, float | None]:
    """Every figure of one row as a number (None where not measured); ratios against `base`,
    the N=0 row of the same run and state."""
    out: dict[str, float | None] = {
        "cpu": row.cpu,
        "machine": row.machine,
        "load": row.load,
        "hog": row.hog,
        "server": row.server,
        "mb": row.mb,
        "pss": row.pss,
        "uss": row.uss,
        "fps": row.fps,
    }
    for kind in KINDS:
        count, cpu = row.by_kind.get(kind, (0, None))
        out[f"cpu {kind}"] = cpu
        out[f"count {kind}"] = count or None
    series = {
        "echo": row.echo,
        "results": row.results,
        "banner": row.banner,
        **{f"seen {k}": row.seen.get(k, []) for k in KINDS},
        "post": latencies(row, POSTS),
        "about": latencies(row, ("about",)),
        "page": latencies(row, ("page",)),
    }
    for name, values in series.items():
        out[name + "n"] = len(values) or None
        for q, tag in ((0.5, "50"), (0.99, "99")):
            value = pct(values, q)
            out[name + tag] = None if value is None else 1000 * value
    against = figures(base, None) if base is not None else {}
    for name in ("post", "about"):
        for tag in ("50", "99"):
            mine, theirs = out[name + tag], against.get(name + tag)
            out[f"{name} ratio{tag}"] = mine / theirs if mine is not None and theirs else None
    return out


def medians(rows: list[Row]) -> dict[tuple[int, str], dict[str, float | None]]:
    """(N, state): the median over runs of each figure (each run's ratio against its own N=0)."""
    by_key: dict[tuple[int, str], list[dict]] = collections.defaultdict(list)
    base = {(r.run, r.state): r for r in rows if r.n == 0}
    for r in rows:
        by_key[(r.n, r.state)].append(figures(r, base.get((r.run, r.state))))
    out = {}
    for key, found in by_key.items():
        names = found[0].keys()
        out[key] = {
            name: (
                statistics.median(vals)
                if (vals := [f[name] for f in found if f[name] is not None])
                else None
            )
            for name in names
        }
    return out


def f(value: float | None, fmt: str = "{:.0f}%") -> str:
    return "–" if value is None else fmt.format(value)


def pair(m: dict, name: str, fmt: str = "{:,.0f}") -> str:
    """p50 / p99, and how many samples (a p99 of 20 samples is their largest)."""
    if m[name + "50"] is None:
        return "–"
    found = f"{fmt.format(m[name + '50'])} / {fmt.format(m[name + '99'])}"
    return found + (f" ({m[name + 'n']:,.0f})" if m.get(name + "n") else "")


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def machine_table(found: dict) -> list[str]:
    head = ["N", "state", "stations CPU (% of one core)"]
    head += [f"{k}s (count × each)" for k in KINDS]
    head += ["server CPU", "machine CPU", "load avg (1 min)", "MB per station (RSS / PSS / USS)"]
    head += ["frames/s per station"]
    rows = []
    for (n, state), m in found.items():
        kinds = []
        for kind in KINDS:
            count, cpu = m[f"count {kind}"], m[f"cpu {kind}"]
            kinds.append("–" if not count or cpu is None else f"{count:.0f} × {cpu / count:.1f}%")
        memory = "–" if m["mb"] is None else f"{m['mb']:.0f} / {m['pss']:.0f} / {m['uss']:.0f}"
        rows.append(
            [str(n), state, f(m["cpu"]), *kinds, f(m["server"]), f(m["machine"])]
            + [f(m["load"], "{:.2f}"), memory, f(m["fps"], "{:.1f}")]
        )
    return table(head, rows)


def latency_table(found: dict) -> list[str]:
    head = ["N", "state", "key echo", "keys → results", "Enter → banner"]
    head += [f"commit → {k}" for k in KINDS]
    head += ["phone POST", "POST x N=0", "GET /api/about", "about x N=0", "page GET"]
    rows = []
    for (n, state), m in found.items():
        if state.startswith("idle"):
            continue
        rows.append(
            [str(n), state, pair(m, "echo"), pair(m, "results"), pair(m, "banner")]
            + [pair(m, f"seen {k}") for k in KINDS]
            + [pair(m, "post"), pair(m, "post ratio", "{:.1f}x"), pair(m, "about")]
            + [pair(m, "about ratio", "{:.1f}x"), pair(m, "page")]
        )
    return table(head, rows)


Check = tuple[str, str, Callable[[dict], float | None], float, str]


def targets(hog: bool) -> list[Check]:
    """Issue 23's targets (N=26 and N=40 under the plenary load): figure, unit, value, limit."""
    seen = 1000.0 if hog else 500.0
    checks: list[Check] = []
    if not hog:
        checks.append(("stations' CPU", "% of a core", lambda m: m["cpu"], 25.0, "{:.0f}"))
    checks.append(
        ("phone POST p99, x N=0", "x", lambda m: m["post ratio99"], 3.0 if hog else 1.5, "{:.2f}")
    )
    checks.append(
        ("desk key echo p99", "ms", lambda m: m["echo99"], 100.0 if hog else 50.0, "{:.0f}")
    )
    for kind in KINDS:
        checks.append(
            (f"commit → {kind} p99", "ms", lambda m, k=kind: m[f"seen {k}99"], seen, "{:.0f}")
        )
    return checks


def targets_table(found: dict, hog: bool) -> tuple[list[str], int]:
    """Each target beside the load phase's figure at every N > 0; and how many were missed."""
    rows, missed = [], 0
    for (n, state), m in found.items():
        if n == 0 or state != "load":
            continue
        for name, unit, get, limit, fmt in targets(hog):
            value = get(m)
            verdict = "–" if value is None else ("PASS" if value <= limit else "MISS")
            missed += verdict == "MISS"
            shown = "–" if value is None else f"{fmt.format(value)} {unit}"
            rows.append([str(n), name, shown, f"≤ {fmt.format(limit)} {unit}", verdict])
    return table(["N", "figure (load)", "measured (median of runs)", "target", ""], rows), missed


def status_table(statuses: dict[str, collections.Counter]) -> tuple[list[str], list[str]]:
    """Every phone request of the whole run by kind and answer; and a line per kind whose
    writes were refused (4xx, 5xx, no answer) or whose reads failed."""
    rows, refused = [], []
    for kind in EXPECTED:
        counted = statuses.get(kind, collections.Counter())
        sent = sum(counted.values())
        ok = sum(v for s, v in counted.items() if s.isdigit() and int(s) in EXPECTED[kind])
        bad = {s: v for s, v in counted.items() if not (s.isdigit() and int(s) in EXPECTED[kind])}
        detail = ", ".join(f"{s} × {v}" for s, v in sorted(bad.items())) or "none"
        rows.append([kind, f"{sent:,}", f"{ok:,}", detail])
        if bad:
            what = "writes refused" if kind in WRITES else "requests failed"
            refused.append(f"{kind}: {sum(bad.values())} of {sent} {what} ({detail})")
    head = ["request", "sent", "answered as expected", "refused or failed (status × count)"]
    return table(head, rows), refused


def load_table(rows: list[Row]) -> list[str]:
    body = [
        [str(r.run), str(r.n), r.state, f(r.machine), f(r.load, "{:.2f}"), f(r.hog)] for r in rows
    ]
    head = ["run", "N", "state", "machine CPU (all cores)", "load avg (1 min)", "hog CPU"]
    return table(head, body)
