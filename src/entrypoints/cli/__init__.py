"""The `bookbridge` command line."""

from entrypoints.cli.app import app, main

__all__ = ["app", "main"]
