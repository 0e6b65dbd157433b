"""bookbridge: entrypoints layer."""
