"""Processes the test suite and the benchmarks start: uvicorn application processes, nginx in front of them, a
test certificate authority. No Django import at module level (the benchmarks' parents run without Django)."""
