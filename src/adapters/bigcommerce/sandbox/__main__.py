"""`python -m bookbridge.adapters.bigcommerce.sandbox --port 8765`: serve the sandbox for manual runs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from .app import create_app
from .config import DEFAULT_CHANNEL, ChannelSeed, FaultConfig, RateLimitConfig, SandboxConfig


def channel(text: str) -> ChannelSeed:
    """`--channel 2="US storefront"`: a channel besides 1 (the default storefront), for a second storefront."""
    number, _, name = text.partition("=")
    if not number.strip().isdigit() or int(number) < 2 or not name.strip():
        raise argparse.ArgumentTypeError(f"expected ID=NAME with ID 2 or more, got {text!r}")
    return ChannelSeed(id=int(number), name=name.strip())


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bookbridge.adapters.bigcommerce.sandbox",
        description="Serve a loopback stand-in for the BigCommerce REST API.",
        epilog="The three rates are odds from 0 to 1, drawn per request; together they are 1 at most.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="the port to listen on (default: 8765)")
    parser.add_argument("--store-hash", default="sandbox", metavar="HASH",
                        help="the store hash in every URL, /stores/HASH/v3 (default: sandbox)")
    parser.add_argument("--token", default="sandbox-token",
                        help="the token clients must send (default: sandbox-token)")
    parser.add_argument("--quota", type=int, default=150, metavar="N",
                        help="requests per window (default: 150, as on the Standard plan)")
    parser.add_argument("--window-ms", type=int, default=30_000, metavar="MS",
                        help="the rate limit's window in milliseconds (default: 30000, as BigCommerce's)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="FACTOR",
                        help="how fast time passes for the rate limit: 0.01 makes the 30000 ms window last 300 ms, "
                        "and the headers say 300 (default: 1)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="the seed of the random faults: one seed, the same faults (default: 0)")
    parser.add_argument("--error-rate", type=float, default=0.0, metavar="ODDS",
                        help="how often a request gets a 500, 502, 503 or 504 (default: 0)")
    parser.add_argument("--drop-rate", type=float, default=0.0, metavar="ODDS",
                        help="how often a request's connection is closed without an answer (default: 0)")
    parser.add_argument("--slow-rate", type=float, default=0.0, metavar="ODDS",
                        help="how often a request is answered 0.2 s late (default: 0)")
    parser.add_argument("--channel", type=channel, action="append", default=[], metavar="ID=NAME",
                        help='another channel besides 1 (Default storefront), e.g. 2="US storefront"; repeatable')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    config = SandboxConfig(
        store_hash=args.store_hash,
        token=args.token,
        extra_channels=tuple(args.channel),
        rate_limit=RateLimitConfig(quota=args.quota, window_ms=args.window_ms, time_scale=args.time_scale),
        faults=FaultConfig(
            seed=args.seed, error_rate=args.error_rate, drop_rate=args.drop_rate, slow_rate=args.slow_rate
        ),
    )
    base = f"http://{args.host}:{args.port}/stores/{args.store_hash}"
    channels = ", ".join(f"{c.id} ({c.name})" for c in (DEFAULT_CHANNEL, *args.channel))
    print(f"BigCommerce sandbox: {base}/v3 (X-Auth-Token: {args.token})", flush=True)
    print(f'In bookbridge.toml: [store] kind = "bigcommerce", name = "sandbox", store_hash = "{args.store_hash}", '
          f'access_token_env = "BIGCOMMERCE_ACCESS_TOKEN", v3_base_url = "{base}/v3", v2_base_url = "{base}/v2" '
          f"(export BIGCOMMERCE_ACCESS_TOKEN={args.token}); channels: {channels}", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=args.port, http="h11", lifespan="off")


if __name__ == "__main__":
    main()
