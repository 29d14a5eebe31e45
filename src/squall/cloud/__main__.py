"""``python -m squall.cloud serve --home H --port P``: the daemon process ``start`` spawns."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from squall.errors import SquallError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m squall.cloud")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local cloud in the foreground")
    serve.add_argument("--home", type=Path, required=True)
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--durability", choices=["default", "strict"], default=None)
    args = parser.parse_args(argv)

    from squall.cloud import server

    server.configure_logging()
    try:
        server.serve(args.home, args.port, args.durability)
    except SquallError as exc:
        print(f"error: {exc.format()}", file=sys.stderr, flush=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
