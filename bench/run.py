"""Run Satchel's benchmarks: every bench/<name>/run.py, or the ones named.

    python bench/run.py                 # all of them
    python bench/run.py transcode       # one
    python bench/run.py --quick         # a fast smoke run of each

Each benchmark prints its own figures and records them in bench/<name>/README.md;
bench/README.md summarises the recorded results.
"""

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    available = sorted(path.parent.name for path in BENCH.glob("*/run.py"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"any of: {', '.join(available)}")
    parser.add_argument("--quick", action="store_true", help="fast smoke run")
    args = parser.parse_args()
    if unknown := sorted(set(args.names) - set(available)):
        parser.error(f"no such benchmark: {', '.join(unknown)}")
    failed = []
    for name in args.names or available:
        print(f"== bench/{name}", flush=True)
        command = [sys.executable, str(BENCH / name / "run.py")]
        if args.quick:
            command.append("--quick")
        if subprocess.run(command, cwd=BENCH.parent).returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
