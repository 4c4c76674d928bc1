"""`make bench`: run every benchmarks/bench_*.py in turn; each prints its own figures.

Figures are reported, never asserted. The exit status is non-zero only when a benchmark
found something wrong rather than slow (see each module's docstring), or crashed.
Names given as arguments pick benchmarks (`run_all.py public` runs bench_public.py only);
run a module directly to pass it options (`bench_public.py --help`).
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    failed = []
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
        if not scripts:
            print(f"no benchmark named {', '.join(argv)}", file=sys.stderr)
            return 2
    for script in scripts:
        print(f"== {script.name}", flush=True)
        start = time.monotonic()
        code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
        print(f"== {script.name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.monotonic() - start:.0f} s")
        if code:
            failed.append(script.name)
    if failed:
        print("== benchmarks that failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
