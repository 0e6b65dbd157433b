"""bookbridge: adapters layer."""
