"""The hall's phones for bench.venue: a process of their own, as a room full of phones on the
venue's Wi-Fi is.

    python -m bench._venue_phones CONFIG.json     # started by bench.venue, driven over stdin

Each phone is a device the site issued: it opens its session page once (GET /{code}), keeps
the signed `bigconv_device` cookie it was given, and from then on sends what the page sends:
taps through the page's script (POST /api/{code}/reactions, JSON, an `Idempotency-Key` per
tap), feedback through the script (POST /api/{code}/feedback) or, for a phone without
JavaScript, the plain form (POST /{code}/feedback with the page's `nonce`, then the page the
303 leads to), and now and then the page again. A phone never taps the same reaction again
within the site's cooldown, so every tap is a write the site should store.

The phones come from many loopback addresses (Linux routes all of 127.0.0.0/8 to lo), one
client session per address, the way phones on venue Wi-Fi each have their own: `plan_check`
keeps the plan inside the site's limits per address (new devices, rows stored a minute,
connections), read from the package itself.

Protocol on stdin/stdout, one JSON object a line: the process prints `{"ready": ...}` once
every phone has its token (or `{"failed": ...}` and exits 1 if any has none); then each
`{"phase": {...}}` starts a phase (rates below), `{"stop": true}` ends it and prints the
phase's latencies and statuses per kind of request, and `{"quit": true}` ends the process.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import json
import random
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COOKIE = "bigconv_device"
COOLDOWN_MARGIN = 12.0  # seconds between two taps of one kind by one phone (the site's is 10)
TIMEOUT = 30.0  # seconds a phone waits for an answer before it says "not sent"
KEEPALIVE = 5.0  # seconds a phone keeps an idle connection (the site closes them after 10)
SETUP_AT_ONCE = 32  # phones opening their page at the same moment while the hall fills
NONCE_RE = re.compile(r'<form class="feedback".*?name="nonce" value="([A-Za-z0-9_-]+)"', re.S)
COMMENTS = [
    "Really practical, I will use the sentence stems tomorrow.",
    "Too fast in the middle part; the examples helped.",
    "Good to hear how other schools do it.",
    "Would like the slides afterwards, please.",
]
# What each kind of request must be answered with; anything else is a refusal.
EXPECTED = {
    "page": {200},
    "reaction": {200},
    "feedback": {201},
    "feedback form": {303},
    "about": {200},
}
WRITES = ("reaction", "feedback", "feedback form")


def addresses(count: int) -> list[str]:
    """`count` loopback addresses for phones: 127.0.0.2 onwards (127.0.0.1 is the staff's)."""
    return [f"127.0.{(k + 2) // 256}.{(k + 2) % 256}" for k in range(count)]


@dataclass
class Phase:
    """One phase's traffic: Poisson streams (per second) and bursts of taps."""

    rate: float = 0.0  # taps and page loads a second, together (Poisson)
    page_share: float = 0.15  # ... of which page loads
    feedback: float = 0.0  # feedback sent a second (Poisson)
    form_share: float = 0.25  # ... of which by the plain form (no JavaScript)
    about: float = 0.0  # GET /api/about a second (Poisson)
    burst_every: float = 0.0  # seconds between two bursts (0: none)
    burst_first: float = 5.0  # seconds into the phase of the first burst
    burst_size: int = 0  # taps in a burst, each from another phone ...
    burst_window: float = 3.0  # ... within this many seconds


def plan_check(phones: int, n_addresses: int, phase: Phase, stations: int = 40) -> list[str]:
    """Why this hall would break the site's limits per address (empty if it keeps inside them,
    with room to spare: half of each limit at most)."""
    from bigconv.web.common.limits import ConnectionCaps
    from bigconv.web.common.site import PhoneLimits

    limits = PhoneLimits()
    per_address = -(-phones // n_addresses)
    problems = []
    if per_address * 3 > limits.new_devices // 2:  # three runs' worth would still fit
        problems.append(
            f"{per_address} phones per address: the site issues {limits.new_devices} devices "
            "per address per 10 minutes"
        )
    writes = phase.rate * (1 - phase.page_share) + phase.feedback
    if phase.burst_every:
        writes += phase.burst_size / phase.burst_every
    per_minute = writes * 60 / n_addresses
    if per_minute > limits.writes_per_address / 2:
        problems.append(
            f"{per_minute:.0f} writes a minute per address: the site stores at most "
            f"{limits.writes_per_address}"
        )
    caps = ConnectionCaps.for_files(1024, stations)  # the least `serve` runs with
    if per_address > caps.per_address:
        problems.append(
            f"{per_address} connections per address: the site allows {caps.per_address}"
        )
    return problems


@dataclass
class Phone:
    code: str
    client: object  # its address's aiohttp.ClientSession
    token: str | None = None
    nonce: str | None = None  # the feedback form's, from the page it last loaded
    last_tap: dict[str, float] = field(default_factory=dict)  # kind: when it may tap it again


class Hall:
    """Every phone, and what happened to each request of the current phase."""

    def __init__(self, base: str, codes: list[str], kinds: list[str], clients: list, seed: int):
        self.base, self.kinds = base, kinds
        self.phones = [Phone(code, clients[i % len(clients)]) for i, code in enumerate(codes)]
        self.random = random.Random(seed)
        self.form_share = Phase.form_share
        self.reset()

    def reset(self) -> None:
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.skipped = 0  # taps not sent: every phone picked had just sent each kind

    def result(self) -> dict:
        return {
            "latency": dict(self.latency),
            "status": {kind: dict(c) for kind, c in self.status.items()},
            "skipped": self.skipped,
        }

    async def request(self, kind: str, phone: Phone, method: str, url: str, **kw) -> object:
        """Send one request as `phone`; note its latency and its status (or the error)."""
        import aiohttp

        headers = kw.pop("headers", {})
        if phone.token is not None:
            headers["Cookie"] = f"{COOKIE}={phone.token}"
        start = time.perf_counter()
        try:
            async with phone.client.request(
                method, self.base + url, headers=headers, allow_redirects=False, **kw
            ) as response:
                body = await response.text()
                status = str(response.status)
                cookie = response.cookies.get(COOKIE)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self.status[kind][type(exc).__name__] += 1
            return None
        self.latency[kind].append(time.perf_counter() - start)
        self.status[kind][status] += 1
        if cookie is not None and cookie.value:
            phone.token = cookie.value
        if kind == "page" and (found := NONCE_RE.search(body)):
            phone.nonce = found.group(1)
        return body

    async def page(self, phone: Phone, query: str = "") -> None:
        await self.request("page", phone, "GET", f"/{phone.code}{query}")

    def free_phone(self) -> tuple[Phone, str] | None:
        """A phone and a kind it has not tapped within the cooldown (None if 50 tries fail)."""
        now = time.monotonic()
        for _ in range(50):
            phone = self.random.choice(self.phones)
            free = [k for k in self.kinds if phone.last_tap.get(k, 0.0) <= now]
            if free:
                return phone, self.random.choice(free)
        return None

    async def tap(self) -> None:
        found = self.free_phone()
        if found is None:
            self.skipped += 1
            return
        phone, kind = found
        phone.last_tap[kind] = float("inf")  # in flight: not again until answered
        try:
            await self.request(
                "reaction",
                phone,
                "POST",
                f"/api/{phone.code}/reactions",
                json={"kind": kind},
                headers={"Idempotency-Key": secrets.token_hex(16), "Accept": "application/json"},
            )
        finally:
            # The site stamps a tap when it handles it, before it answers: counting the
            # cooldown from the answer keeps the next one of this kind clear of it.
            phone.last_tap[kind] = time.monotonic() + COOLDOWN_MARGIN

    def script_headers(self) -> dict[str, str]:
        """What the page's script sends with a write: a fresh key for this action, and the
        Origin a browser adds to every POST."""
        return {
            "Idempotency-Key": secrets.token_hex(16),
            "Accept": "application/json",
            "Origin": self.base,
        }

    async def feedback(self) -> None:
        phone = self.random.choice(self.phones)
        rating = self.random.randint(1, 5)
        comment = self.random.choice(COMMENTS)
        if self.random.random() < self.form_share and phone.nonce:
            form = {"rating": str(rating), "comment": comment, "nonce": phone.nonce}
            phone.nonce = None  # spent: the page the 303 leads to brings a new one
            body = await self.request(
                "feedback form",
                phone,
                "POST",
                f"/{phone.code}/feedback",
                data=form,
                headers={"Origin": self.base, "Referer": f"{self.base}/{phone.code}"},
            )
            if body is not None:
                await self.page(phone, "?sent=1")
            return
        await self.request(
            "feedback",
            phone,
            "POST",
            f"/api/{phone.code}/feedback",
            json={"rating": rating, "comment": comment},
            headers=self.script_headers(),
        )

    async def about(self) -> None:
        await self.request("about", self.random.choice(self.phones), "GET", "/api/about")

    async def run(self, phase: Phase, stop: asyncio.Event) -> None:
        """The phase's streams and bursts until `stop`; then wait for every answer."""
        self.form_share = phase.form_share
        pending: set[asyncio.Task] = set()

        def launch(coro) -> None:
            task = asyncio.create_task(coro)
            pending.add(task)
            task.add_done_callback(pending.discard)

        def mixed():
            if self.random.random() < phase.page_share:
                return self.page(self.random.choice(self.phones))
            return self.tap()

        async def poisson(rate: float, make) -> None:
            while rate > 0:
                await asyncio.sleep(self.random.expovariate(rate))
                launch(make())

        async def bursts() -> None:
            if not (phase.burst_every and phase.burst_size):
                return
            await asyncio.sleep(phase.burst_first)
            while True:
                start = time.monotonic()
                offsets = sorted(
                    self.random.uniform(0, phase.burst_window) for _ in range(phase.burst_size)
                )
                for at in offsets:
                    await asyncio.sleep(max(0.0, start + at - time.monotonic()))
                    launch(self.tap())
                await asyncio.sleep(max(0.0, start + phase.burst_every - time.monotonic()))

        streams = [
            asyncio.create_task(poisson(phase.rate, mixed)),
            asyncio.create_task(poisson(phase.feedback, self.feedback)),
            asyncio.create_task(poisson(phase.about, self.about)),
            asyncio.create_task(bursts()),
        ]
        await stop.wait()
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.gather(*list(pending), return_exceptions=True)


class Phones:
    """The phones' process, seen from bench.venue: start it (every phone gets its token), run
    phases, collect what each phase saw."""

    def __init__(self, config: dict, folder: Path):
        path = folder / "phones.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench._venue_phones", str(path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        first = json.loads(self.stdout.readline() or '{"failed": {}, "no_token": "all"}')
        self.setup = first.get("ready") or first.get("failed") or {}
        if "ready" not in first:
            self.proc.wait(timeout=30)
            raise SystemExit(
                f"venue: {first.get('no_token')} of {len(config['codes'])} phones got no device "
                f"token from the site; page statuses: {self.setup.get('status')}"
            )

    def start(self, phase: Phase) -> None:
        self.stdin.write(json.dumps({"phase": dataclasses.asdict(phase)}) + "\n")
        self.stdin.flush()

    def stop(self) -> dict:
        """End the phase; its latencies and statuses, once every request was answered."""
        self.stdin.write('{"stop": true}\n')
        self.stdin.flush()
        return json.loads(self.stdout.readline())

    def quit(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stdin.write('{"quit": true}\n')
            self.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def main(config: dict) -> int:
    import aiohttp

    loop = asyncio.get_running_loop()
    clients = []
    for address in config["addresses"]:
        connector = aiohttp.TCPConnector(
            local_addr=(address, 0),
            limit=config["connections_per_address"],
            keepalive_timeout=KEEPALIVE,
        )
        clients.append(
            aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # each phone's own cookie, by hand
                timeout=aiohttp.ClientTimeout(total=TIMEOUT),
            )
        )
    hall = Hall(config["base"], config["codes"], config["kinds"], clients, config["seed"])
    try:
        # The hall fills: each phone opens its session page once and keeps the token.
        gate = asyncio.Semaphore(SETUP_AT_ONCE)

        async def arrive(phone: Phone) -> None:
            async with gate:
                await hall.page(phone)

        started = time.monotonic()
        await asyncio.gather(*(arrive(p) for p in hall.phones))
        setup = hall.result() | {"seconds": time.monotonic() - started}
        missing = sum(p.token is None for p in hall.phones)
        print(
            json.dumps({"failed" if missing else "ready": setup, "no_token": missing}), flush=True
        )
        if missing:
            return 1
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return 0
            command = json.loads(line)
            if "quit" in command:
                return 0
            hall.reset()
            stop = asyncio.Event()
            running = asyncio.create_task(hall.run(Phase(**command["phase"]), stop))
            line = await loop.run_in_executor(None, sys.stdin.readline)
            stop.set()
            await running
            print(json.dumps(hall.result()), flush=True)
            if not line:
                return 0
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as file:
        sys.exit(asyncio.run(main(json.load(file))))
