"""bookbridge: domain layer."""
