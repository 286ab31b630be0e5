"""Proof at production shape: the shape itself, `make chaos` and `make load`."""
