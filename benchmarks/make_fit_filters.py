#!/usr/bin/env python3
"""Benchmark filters for `scalespace fit`: the 8 bundled master key filters (7x7) with random gain U(0.5, 1.5),
offset N(0, 0.02) and noise N(0, 0.03) per element, seed 42, saved as float32 (N, 7, 7).

Usage (from the repository root): /usr/bin/python3 benchmarks/make_fit_filters.py OUT.npy N
"""
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
rows = [l.split() for l in open("src/main/resources/org/scalespace/data/master_key_filters_convnextv2_tiny.txt")
        if l.strip() and not l.startswith(("#", "Filter"))]
mk = np.array(rows, dtype=np.float64).reshape(8, 7, 7)
rng = np.random.default_rng(42)
i = np.arange(n) % 8
h = mk[i] * rng.uniform(0.5, 1.5, (n, 1, 1)) + rng.normal(0, 0.02, (n, 1, 1)) + rng.normal(0, 0.03, (n, 7, 7))
np.save(out, h.astype(np.float32))
