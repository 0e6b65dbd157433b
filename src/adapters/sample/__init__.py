"""A generated sample catalogue: about 50 title families and 120 editions, for the demo and the tests."""
