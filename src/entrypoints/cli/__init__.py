"""The `bookbridge` command line."""

from bookbridge.entrypoints.cli.app import app, main

__all__ = ["app", "main"]
