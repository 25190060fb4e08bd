"""Deterministic demo landing data with ground truth: `python -m connectors.demo --people N --seed S --out DIR`."""
