"""bookbridge: application layer."""
