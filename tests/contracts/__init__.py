"""Contract helpers and suites shared by fakes and real adapters."""
