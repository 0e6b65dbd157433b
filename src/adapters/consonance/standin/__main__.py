"""`python -m bookbridge.adapters.consonance.standin --port 8766`: serve the Consonance stand-in for manual runs.

It serves the packaged sample catalogue (or a synthetic one, `--works N`) over GraphQL at `{url}/graphql`, with
the API key printed; point a `[source] kind = "consonance"` at it to try `bookbridge check`, `source inspect` or
`sync` without a Consonance account.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import uvicorn

from bookbridge.adapters.consonance.standin.app import DEFAULT_PAGE_SIZE, create_app
from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.sample import SAMPLE_CATALOGUE, synthetic_catalogue
from bookbridge.adapters.consonance.standin.schema import LEAN_TENANT, build_standin_schema

DEFAULT_KEY = "standin0key0for0local0runs000000"  # 32 letters and digits, the shape of a Consonance key


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bookbridge.adapters.consonance.standin",
        description="Serve a loopback stand-in for Consonance's GraphQL API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8766, help="the port to listen on (default: 8766)")
    parser.add_argument("--api-key", default=DEFAULT_KEY, help="the key clients must send (32 letters and digits)")
    parser.add_argument("--catalogue", type=Path, default=SAMPLE_CATALOGUE,
                        help="a catalogue JSON file (default: the packaged sample)")
    parser.add_argument("--works", type=int, default=0, help="serve N synthetic works instead of a catalogue file")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE,
                        help=f"products per page of a query (default: {DEFAULT_PAGE_SIZE})")
    parser.add_argument("--lean", action="store_true", help="a lean tenant: without the fields Consonance does "
                        "not document")
    return parser.parse_args(argv)


def load(args: argparse.Namespace) -> ConsonanceData:
    if args.works > 0:
        return synthetic_catalogue(args.works, changed_at=date.today())
    return ConsonanceData.load_json(args.catalogue)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    schema = build_standin_schema(omit_fields=LEAN_TENANT if args.lean else ())
    app = create_app(load(args), args.api_key, page_size=args.page_size, schema=schema)
    url = f"http://{args.host}:{args.port}"
    print(f"Consonance stand-in: {url}/graphql (Authorization: Bearer {args.api_key})")
    print(f'In bookbridge.toml: [source] kind = "consonance", base_url = "{url}", api_key_env = "CONSONANCE_API_KEY"'
          f" (export CONSONANCE_API_KEY={args.api_key})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", lifespan="off")


if __name__ == "__main__":
    main()
