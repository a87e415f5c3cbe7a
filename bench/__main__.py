"""`python -m bench` — the performance benchmark (issue 6); the README section «Производительность»
explains it and shows a run.

    python -m bench                      # 28 tabs × {1 000, 10 000} rows, every writer, 5 runs per step
    python -m bench --quick              # 100 and 1 000 rows, 3 runs: a few minutes
    python -m bench --sizes 100,1000 --repeat 3 --skip app,memory

Writes bench/results.md (or --out) and prints the same tables plus PASS/FAIL per goal.
"""
from __future__ import annotations

import argparse
import sys

from bench.run import DEFAULT_SIZES, Config, run_benchmark
from bench.workbooks import WRITERS


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=None, help="rows per tab, comma-separated (default 100,1000,10000)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per measured step (default 5; --quick: 3)")
    ap.add_argument("--quick", action="store_true", help="sizes 100,1000, 3 runs: a few minutes")
    ap.add_argument("--tabs", type=int, default=28, help="institution tabs per workbook (default 28)")
    ap.add_argument("--out", default=None, help="Markdown file to write (default bench/results.md)")
    ap.add_argument("--skip", default="", help="steps to leave out: naive, naive-large (only at 10 000 "
                    "rows), process, app, report, memory, sheets")
    ap.add_argument("--writers", default=None, help="writers to measure, comma-separated (default: "
                    + ",".join(WRITERS) + ")")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if args.quick else DEFAULT_SIZES)
    config = Config(sizes=sizes, tabs=args.tabs, repeat=args.repeat or (3 if args.quick else 5),
                    skip={s.strip() for s in args.skip.split(",") if s.strip()}, out=args.out,
                    writers=args.writers.split(",") if args.writers else list(WRITERS),
                    command=" ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]))
    run_benchmark(config)             # goals are reported (PASS/FAIL), not enforced through the exit code
    return 0


if __name__ == "__main__":
    sys.exit(main())
