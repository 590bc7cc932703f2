"""Benchmarks, run from the repository root as modules: ``python -m bench.query`` etc.

The harness every benchmark shares:

* ``bench.harness``: percentiles (one definition), the machine and versions
  lines printed with every figure, and an index written from Article records;
* ``bench.server``: ``newsarchive serve`` (or any server command) on a free
  loopback port, ready once /healthz answers, stopped with its whole process
  group; the end-to-end tests use the same runner;
* ``bench.proctree``: wall, CPU and peak RSS of a command's whole process tree.

See BENCHMARKS.md for the figures and the commands that produced them.
"""
