"""Throughput benchmarks: loopback only, bounded in time and requests (``make bench``)."""
