"""Benchmarks: reproducible commands (`python -m bench.<name>`) that run the real service
(Temporal, the worker and webhook receiver as their own processes, the simulators over real
HTTP) and write their figures to `bench/results/<name>.json`; `python -m bench.report`
renders `docs/benchmarks.md` from those files. Not part of the test suite."""
