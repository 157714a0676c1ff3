"""Unified order and inventory service: one source of truth for stock and orders."""

__version__ = "0.1.0"
