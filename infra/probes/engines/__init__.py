"""Probe engines: plain Python, no ORM. Each takes a batch of targets and returns one result per target."""
