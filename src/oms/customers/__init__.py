"""Customers: one profile per person across channels, found by name, email or phone."""
