"""`python -m bookbridge.adapters.bigcommerce.sandbox --port 8765`: serve the sandbox for manual runs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from .app import create_app
from .config import FaultConfig, RateLimitConfig, SandboxConfig


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bookbridge.adapters.bigcommerce.sandbox",
        description="Serve a loopback stand-in for the BigCommerce REST API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--store-hash", default="sandbox")
    parser.add_argument("--token", default="sandbox-token")
    parser.add_argument("--quota", type=int, default=150, help="requests per window (Standard plan: 150)")
    parser.add_argument("--window-ms", type=int, default=30_000)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--slow-rate", type=float, default=0.0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    config = SandboxConfig(
        store_hash=args.store_hash,
        token=args.token,
        rate_limit=RateLimitConfig(quota=args.quota, window_ms=args.window_ms, time_scale=args.time_scale),
        faults=FaultConfig(
            seed=args.seed, error_rate=args.error_rate, drop_rate=args.drop_rate, slow_rate=args.slow_rate
        ),
    )
    print(
        f"BigCommerce sandbox: http://{args.host}:{args.port}/stores/{args.store_hash}/v3 (X-Auth-Token: {args.token})"
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, http="h11", lifespan="off")


if __name__ == "__main__":
    main()
