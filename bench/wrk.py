"""Load from Debian's `wrk` (C, event-driven): a client that is not itself the limit.

Each endpoint is driven by `wrk` with a Lua script: cookies and CSRF header of many signed-in
patients taken in turn, a fresh UUID per log, and If-None-Match for the revalidated Today.
The server's CPU time is read from /proc while wrk runs, to show the bare endpoint saturates it;
wrk's own CPU time (its rusage as a finished child) shows whether the client was near its limit
(100% per wrk thread), and the machine's idle share (/proc/stat) whether anything else took the
CPUs the server could have used.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk") or "/usr/bin/wrk"
TICKS = os.sysconf("SC_CLK_TCK")

# Each request takes the next patient: its cookies, CSRF token, item and day.
_PATIENTS = """
local patients = {{
{rows}
}}
local n = 0
local id = 0
-- os.time() too: the warm-up and the measured run are two wrk processes, and their UUIDs must
-- differ (a replayed UUID is answered without a write, which would flatter the write rate).
local run = ({run} + os.time()) % 2147483647
function setup(thread)
  id = id + 1
  thread:set("tid", id)
end
"""
_GET = (
    _PATIENTS
    + """
request = function()
  n = n + 1
  local p = patients[(n % #patients) + 1]
  local headers = {{ ["Cookie"] = p[1] }}
  if p[5] ~= "" then headers["If-None-Match"] = p[5] end
  return wrk.format("GET", "{path}", headers)
end
"""
)
_POST = (
    _PATIENTS
    + """
request = function()
  n = n + 1
  local p = patients[(n % #patients) + 1]
  local uuid = string.format("%08x-%04x-4000-8000-%012x", run, tid, n)
  local body = string.format(
    '{{"uuid":"%s","routine_item_id":%d,"local_date":"%s","sets_done":2,"reps_done":20,'
    .. '"pain_before":2,"pain_after":1}}', uuid, p[3], p[4])
  local headers = {{ ["Cookie"] = p[1], ["X-CSRF-Token"] = p[2],
                    ["Content-Type"] = "application/json" }}
  return wrk.format("POST", "{path}", headers, body)
end
"""
)


@dataclass(frozen=True)
class Caller:
    """One signed-in patient as wrk replays them."""

    cookie: str
    csrf: str = ""
    item_id: int = 0
    today: str = ""
    etag: str = ""


@dataclass
class WrkResult:
    """What one wrk run measured."""

    rps: float
    p50: float
    p99: float
    errors: int
    cpu: float  # the server process's CPU use during the run, % of one core
    client_cpu: float = 0.0  # wrk's own CPU use, % of one core (its limit: 100% per thread)
    threads: int = 1  # wrk threads
    connections: int = 0
    idle: float = 0.0  # the machine's idle share during the run, % of all CPUs

    @property
    def client_limited(self) -> bool:
        """True when wrk used more than 80% of what its threads can: it may be the limit."""
        return self.client_cpu > 80 * self.threads


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Each connection waits about `pace` ms (half to one and a half times) between its requests,
# as a phone does between two exercises: an offered load below the server's capacity.
_DELAY = """
function delay()
  return math.random({low}, {high})
end
"""


def script(path: str, callers: list[Caller], post: bool = False, pace: float = 0) -> Path:
    """Write the Lua script for this endpoint and these callers (each connection pausing about
    `pace` ms between requests when given; flat out otherwise); its path."""
    rows = ",\n".join(
        "  {"
        + ", ".join(
            [
                _lua_string(c.cookie),
                _lua_string(c.csrf),
                str(c.item_id),
                _lua_string(c.today),
                _lua_string(c.etag),
            ]
        )
        + "}"
        for c in callers
    )
    text = (_POST if post else _GET).format(rows=rows, path=path, run=int(time.time()) % 2**31)
    if pace > 0:
        text += _DELAY.format(low=max(1, round(pace / 2)), high=max(2, round(pace * 3 / 2)))
    handle, name = tempfile.mkstemp(prefix="neuroglide-wrk-", suffix=".lua")
    os.write(handle, text.encode())
    os.close(handle)
    return Path(name)


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of the process and its live children (gunicorn's worker under its master)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # it has just exited
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return own + sum(_cpu_seconds(int(child)) for child in children)


def settle(pid: int, *, below: float = 15, longest: float = 30) -> None:
    """Wait until the server has finished what the last run left queued (its CPU below
    `below`% over half a second), so each measurement starts from an idle server."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        began = _cpu_seconds(pid)
        time.sleep(0.5)
        if (_cpu_seconds(pid) - began) / 0.5 * 100 < below:
            return


def _children_cpu() -> float:
    """CPU seconds of this process's finished (waited-for) children: wrk, once it has exited."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _machine_ticks() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs since boot, from /proc/stat."""
    numbers = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return numbers[3] + numbers[4], sum(numbers[:8])  # idle + iowait; without guest time


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run(
    base_url: str,
    lua: Path,
    server_pid: int,
    *,
    connections: int = 50,
    seconds: float = 10,
    threads: int = 2,
    warmup: float = 2,
) -> WrkResult:
    """A warm-up, then `seconds` of wrk at `connections` connections; the figures."""
    threads = max(1, min(threads, connections))
    settle(server_pid)
    base = [WRK, f"-t{threads}", f"-c{connections}", "--latency", "-s", str(lua), base_url]
    if warmup > 0:
        subprocess.run(
            [*base[:3], f"-d{max(1, round(warmup))}s", *base[3:]], capture_output=True, check=True
        )
    began_cpu, began = _cpu_seconds(server_pid), time.monotonic()
    began_client, began_ticks = _children_cpu(), _machine_ticks()
    out = subprocess.run(
        [*base[:3], f"-d{max(1, round(seconds))}s", "--timeout", "30s", *base[3:]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.monotonic() - began
    cpu = (_cpu_seconds(server_pid) - began_cpu) / wall * 100
    client_cpu = (_children_cpu() - began_client) / wall * 100
    ended_ticks = _machine_ticks()
    idle = (ended_ticks[0] - began_ticks[0]) / max(1, ended_ticks[1] - began_ticks[1]) * 100
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors:.*"):
        found = re.search(pattern, out)
        if found and found.groups():
            errors += int(found.group(1))
        elif found:
            errors += sum(int(n) for n in re.findall(r"\d+", found.group(0)))
    return WrkResult(rps, p50, p99, errors, cpu, client_cpu, threads, connections, idle)
