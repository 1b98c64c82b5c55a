"""Desktop client figures (issue 3): start-up, unlock with 200k cases, search, memory.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_bench.py [--cases 200000]

The 200k-case vault takes a few minutes to generate; it is cached in
``$TMPDIR/kimdesk-bench/gui-<cases>.kdb`` (passphrase "demo") and reused.

Figures and goals:
- cold process start to the unlock screen painted (goal <= 0.6 s), via the real ``kimdesk``
  entry point and via ``kimdesk.gui.app`` directly; heavy modules loaded by then are listed;
- unlock (key derivation included) to the first page of the case list (goal <= 0.5 s) and to
  the whole list;
- search keystroke to updated list: the model update, the worker's query, the round trip to the
  first screen of results in the model without the 150 ms debounce (goal p95 <= 20 ms, issue 18,
  which measured this round trip), the same until the rows are painted (the view's paint, about
  5-15 ms on this machine kind, is Qt's), and to the whole list (the scroll bar and the count follow
  the first screen). Before each keystroke the last answer is painted: a counselor's next
  keystroke comes a tenth of a second later, not in the same instant;
- scrolling: a jump to a random row until its page is shown;
- resident memory with the 200k-case list loaded (goal <= 250 MB).
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("reportlab", "kimdesk.server.app", "kimdesk.server.db", "fastapi", "uvicorn",
         "sqlalchemy", "psycopg", "openpyxl", "pyxform", "httpx", "kimdesk.demo",
         "kimdesk.stats.indicators", "kimdesk.handouts.render", "babel.dates",
         "kimdesk.vault.vault", "kimdesk.domain.models", "pydantic")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def vault_for(cases: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "kimdesk-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"gui-{cases}.kdb"
    if path.exists():
        return path
    from kimdesk.demo.generator import fill
    from kimdesk.vault import Vault

    print(f"generating {cases} demo cases (once) ...", flush=True)
    building = path.with_name(path.name + ".building")
    for stale in folder.glob(building.name + "*"):
        stale.unlink()
    with Vault.create(building, "demo", counselor="a.becker", team="Team Nord") as vault:
        fill(vault, cases, seed=1)
    building.rename(path)
    return path


def cold_start(vault: Path, via_cli: bool, runs: int = 5) -> tuple[list[float], set[str]]:
    code = (
        "import sys\n"
        + ("from kimdesk.cli import main\nrc = main(['--vault', sys.argv[1]])\n" if via_cli else
           "import argparse\nfrom kimdesk.gui.app import run_app\n"
           "rc = run_app(argparse.Namespace(vault=sys.argv[1], lang=None))\n")
        + f"print('heavy', ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    env = dict(os.environ, KIMDESK_EXIT_AFTER_PAINT="1",
               KIMDESK_SETTINGS=str(Path(tempfile.gettempdir()) / "kimdesk-bench" / "s.ini"))
    times: list[float] = []
    heavy: set[str] = set()
    for _ in range(runs):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", code, str(vault)], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=60).stdout
        for line in out.splitlines():
            if line.startswith("painted"):
                times.append(float(line.split()[1]) - start)
            if line.startswith("heavy"):
                heavy |= {m for m in line.split(" ", 1)[1].split(",") if m}
    return times, heavy


def vault_unlock_s(vault: Path, runs: int = 3) -> float:
    """The vault's own unlock (key derivation, opening the file) without the GUI: median."""
    from kimdesk.vault import Vault

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        Vault.open(vault, "demo").close()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(vault: Path, searches: int) -> dict[str, object]:
    import psutil
    from PySide6.QtWidgets import QApplication

    from kimdesk.gui.app import build_window
    from kimdesk.gui.settings import AppSettings

    app = QApplication.instance() or QApplication([])

    from PySide6.QtCore import QEventLoop, QTimer

    ticker = QTimer()
    ticker.start(50)  # wakes the wait below now and then, so a timeout is noticed

    def spin(until, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
        # Sleep in the event loop like the real app does (a hot polling loop would fight the
        # worker thread for the GIL and inflate its figures).
        end = time.monotonic() + timeout
        while not until():
            if time.monotonic() > end:
                raise TimeoutError
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    settings = AppSettings(Path(tempfile.mkdtemp()) / "s.ini")
    window = build_window(argparse.Namespace(vault=str(vault), lang="de"), settings=settings)
    window.resize(1400, 860)
    window.show()
    app.processEvents()
    # A counselor takes a few seconds to type the passphrase; the app loads the vault's modules
    # meanwhile (kimdesk.gui.worker.WARM_MODULES). Unlocking in the same instant as the window
    # appears would measure that loading, which no one waits for.
    from kimdesk.gui.worker import WARM_MODULES

    spin(lambda: all(name in sys.modules and not getattr(sys.modules[name].__spec__,
                                                         "_initializing", False)
                     for name in WARM_MODULES))
    rss_before = psutil.Process().memory_info().rss
    t0 = time.perf_counter()
    window.unlock_screen.passphrase.setText("demo")
    window.unlock_screen.try_unlock()
    spin(lambda: window.unlocked)
    t_unlocked = time.perf_counter()
    ws = window.workspace
    spin(lambda: ws.first_pages_done > 0)
    app.processEvents()
    t_first = time.perf_counter()
    spin(lambda: ws.queries_done > 0)
    app.processEvents()
    t_list = time.perf_counter()
    rows = ws.model.rowCount()

    # Search: type names letter by letter, as a counselor would.
    words = ["mueller", "ahmad", "petrenko", "yilmaz", "haddad", "nowak", "kowalski", "hosseini",
             "2026", "melnyk", "al-sayed", "demir", "popa", "kassem", "rezaei"]
    model_ms: list[float] = []
    query_ms: list[float] = []
    total_ms: list[float] = []
    list_ms: list[float] = []
    painted_ms: list[float] = []
    done = 0
    for word in words:
        for i in range(1, len(word) + 1):
            if done >= searches:
                break
            before, shown = ws.queries_done, ws.first_pages_done
            # What the last answer left to do (the view lays out and paints the appended rows
            # on a timer) is done first: a counselor's next keystroke comes a tenth of a second
            # or more later (5-8 keys a second), not in the same instant.
            pause = time.monotonic() + 0.1
            spin(lambda p=pause: time.monotonic() > p)
            start = time.perf_counter()
            ws.search.blockSignals(True)
            ws.search.setText(word[:i])
            ws.search.blockSignals(False)
            ws.run_query()
            spin(lambda s=shown: ws.first_pages_done > s)
            total_ms.append((time.perf_counter() - start) * 1000)
            ws.table.viewport().repaint()  # on screen: the new rows painted
            painted_ms.append((time.perf_counter() - start) * 1000)
            model_ms.append(ws.last_model_ms)
            query_ms.append(ws.last_query_ms)
            # The rest of the list (scroll bar, count) follows; the next keystroke comes after
            # it, so it is never measured against a worker still busy with this one.
            spin(lambda b=before: ws.queries_done > b)
            list_ms.append(ws.last_list_ms)
            done += 1
    ws.search.setText("")
    before = ws.queries_done
    ws.run_query()
    spin(lambda: ws.queries_done > before)

    # Sorting the whole list by name.
    before = ws.queries_done
    t_sort = time.perf_counter()
    ws.model.sort(1)
    spin(lambda: ws.queries_done > before)
    sort_ms = (time.perf_counter() - t_sort) * 1000

    # Scrolling: jump to random rows and wait until the page is there.
    rng = random.Random(3)
    scroll_ms: list[float] = []
    for _ in range(40):
        row = rng.randrange(ws.model.rowCount())
        start = time.perf_counter()
        ws.table.scrollTo(ws.model.index(row, 0))
        ws.model.row_at(row)
        spin(lambda r=row: ws.model.row_at(r) is not None)
        app.processEvents()
        scroll_ms.append((time.perf_counter() - start) * 1000)
    rss = psutil.Process().memory_info().rss
    result = {
        "rows": rows,
        "unlock_s": t_unlocked - t0,
        "unlock_to_first_page_s": t_first - t0,
        "unlock_to_list_s": t_list - t0,
        "model_ms": model_ms,
        "query_ms": query_ms,
        "total_ms": total_ms,
        "list_ms": list_ms,
        "painted_ms": painted_ms,
        "sort_ms": sort_ms,
        "scroll_ms": scroll_ms,
        "rss_mb": rss / 2**20,
        "rss_before_unlock_mb": rss_before / 2**20,
    }
    window.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--searches", type=int, default=80)
    parser.add_argument("--vault", type=Path, default=None,
                        help="an existing vault with passphrase 'demo'")
    args = parser.parse_args()
    vault = args.vault or vault_for(args.cases)
    # Bytecode, as an installed program (and scripts/setup) has it: with PYTHONDONTWRITEBYTECODE
    # set, every import would compile its module from source in every measured start.
    compileall.compile_dir(str(ROOT / "kimdesk"), quiet=1)

    print(f"vault: {vault}")
    for label, via_cli in (("kimdesk entry point", True), ("kimdesk.gui.app", False)):
        times, heavy = cold_start(vault, via_cli)
        median = statistics.median(times)
        print(f"cold start -> unlock screen painted ({label}): median {median:.3f} s, "
              f"max {max(times):.3f} s over {len(times)} runs (goal 0.6 s: {median / 0.6:.2f}x)")
        print(f"  heavy modules loaded by then: {', '.join(sorted(heavy)) or 'none'}")
    vault_alone = vault_unlock_s(vault)
    r = in_process(vault, args.searches)
    print(f"unlock (key derivation) : {r['unlock_s']:.3f} s")
    first_s = cast(float, r["unlock_to_first_page_s"])
    print(f"unlock -> first page shown: {first_s:.3f} s (goal 0.5 s: {first_s / 0.5:.2f}x)")
    # The key derivation is most of it and moves with the machine's load; the goal was
    # 0.5 s where the vault alone unlocked in 0.214 s, so 2.3x the vault alone in the same run.
    print(f"  against the vault's own unlock in this run ({vault_alone:.3f} s): "
          f"{first_s / vault_alone:.2f}x (goal {0.5 / 0.214:.1f}x)")
    print(f"unlock -> whole list: {r['unlock_to_list_s']:.3f} s for {r['rows']:,} cases")
    for name, key in (("model update", "model_ms"), ("worker query, first page", "query_ms"),
                      ("keystroke round trip to the first page (no debounce)", "total_ms"),
                      ("keystroke to the first page painted", "painted_ms"),
                      ("keystroke to the whole list (scroll bar, count)", "list_ms")):
        values: list[float] = r[key]  # type: ignore[assignment]
        print(f"search {name}: p50 {statistics.median(values):.2f} ms, "
              f"p95 {p95(values):.2f} ms, max {max(values):.2f} ms (n={len(values)})")
    model_p95 = p95(r["model_ms"])  # type: ignore[arg-type]
    print(f"  model p95 vs goal 20 ms: {model_p95 / 20:.2f}x")
    trip_p95 = p95(r["total_ms"])  # type: ignore[arg-type]
    print(f"  round trip p95 vs goal 20 ms: {trip_p95 / 20:.2f}x")
    print(f"sort all cases by name: {r['sort_ms']:.0f} ms")
    scroll: list[float] = r["scroll_ms"]  # type: ignore[assignment]
    print(f"scroll jump to a random row until shown: p50 {statistics.median(scroll):.2f} ms, "
          f"p95 {p95(scroll):.2f} ms")
    rss_mb = cast(float, r["rss_mb"])
    print(f"RSS with the list loaded: {rss_mb:.0f} MB (before unlock "
          f"{r['rss_before_unlock_mb']:.0f} MB; goal 250 MB: {rss_mb / 250:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
