#!/usr/bin/env python3
"""The coarse grid search of `scalespace fit` written the way a NumPy user would: every candidate template as a
dense row of a matrix, the gain-offset l2 score of all filters against all candidates as one matrix product
(in chunks of filters, to bound memory), and an arg-max per family block.

Same candidate grid as the Java defaults: families gauss dx dy dxp dxm dyp dym dog, exact construction,
sigma log-spaced on [0.05, 4] (48 points, sigma_x and sigma_y independent), dog alpha in {0} + 31 log-spaced
values on [0.02, 20]. Before timing, the vectorised search is validated against a plain per-candidate loop on a few
filters. Prints one line `numpy-grid: <filters/s>` plus details.

Usage: /usr/bin/python3 benchmarks/fit_numpy.py FILTERS.npy [--out families.csv] [--repeat 3]
"""
import argparse
import sys
import time

import numpy as np
from scipy.special import ive

FAMILIES = ["gauss", "dx", "dy", "dxp", "dxm", "dyp", "dym", "dog"]


def grid(k=7, smin=0.05, smax=4.0, ns=48, amax=20.0, na=32):
    r = k // 2
    sig = np.exp(np.linspace(np.log(smin), np.log(smax), ns))
    alph = np.concatenate([[0.0], np.exp(np.linspace(np.log(amax / 1000), np.log(amax), na - 1))])
    n = np.arange(-r - 1, r + 2)
    prof = {}
    for i, s in enumerate(sig):
        t = ive(np.abs(n), s * s)  # e^{-s} I_n(s), n = -r-1..r+1
        c = slice(1, -1)
        prof["T", i] = t[c]
        prof["D", i] = 0.5 * (t[2:] - t[:-2])
        prof["P", i] = t[2:] - t[1:-1]
        prof["M", i] = t[1:-1] - t[:-2]
        prof["S", i] = t[2:] - 2 * t[1:-1] + t[:-2]
    # x profile along columns, y profile along rows with y up: reverse
    spec = {"gauss": ("T", "T"), "dx": ("D", "T"), "dy": ("T", "D"), "dxp": ("P", "T"), "dxm": ("M", "T"),
            "dyp": ("T", "P"), "dym": ("T", "M")}
    rows, blocks = [], []
    imp = np.zeros((k, k)); imp[r, r] = 1.0
    for f in FAMILIES:
        start = len(rows)
        if f == "dog":
            for i in range(ns):
                lap = np.outer(prof["T", i][::-1], prof["S", i]) + np.outer(prof["S", i][::-1], prof["T", i])
                for a in alph:
                    rows.append((imp - a * lap).ravel())
        else:
            px, py = spec[f]
            for i in range(ns):
                for j in range(ns):
                    rows.append(np.outer(prof[py, j][::-1], prof[px, i]).ravel())
        blocks.append((start, len(rows)))
    return np.array(rows), blocks


def search(H, M, blocks, chunk=4096):
    """Gain-offset l2 residual for every filter and candidate; best candidate per family block."""
    Mc = M - M.mean(axis=1, keepdims=True)
    nrm = np.sqrt((Mc * Mc).sum(axis=1))
    Mn = Mc / np.where(nrm > 0, nrm, 1.0)[:, None]
    out_idx = np.empty((H.shape[0], len(blocks)), dtype=np.int64)
    out_res = np.empty((H.shape[0], len(blocks)))
    for s in range(0, H.shape[0], chunk):
        Hc = H[s:s + chunk]
        Hc = Hc - Hc.mean(axis=1, keepdims=True)
        q = (Hc * Hc).sum(axis=1)
        P = Hc @ Mn.T                     # (chunk, C): the matrix product
        E = P * P                         # explained energy; residual = q - E
        for b, (c0, c1) in enumerate(blocks):
            j = np.argmax(E[:, c0:c1], axis=1)
            out_idx[s:s + chunk, b] = c0 + j
            out_res[s:s + chunk, b] = q - E[np.arange(len(Hc)), c0 + j]
    return out_idx, out_res


def naive(h, M, blocks):
    res = []
    for (c0, c1) in blocks:
        best = (np.inf, -1)
        for c in range(c0, c1):
            m = M[c]
            mc, hc = m - m.mean(), h - h.mean()
            a = (hc @ mc) / (mc @ mc) if mc @ mc > 0 else 0.0
            r = hc - a * mc
            best = min(best, (r @ r, c))
        res.append(best[1])
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("filters")
    ap.add_argument("--out")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                    help="precision of the timed search (float32 halves the matrix product's cost; the validation "
                         "against the plain loop is done in float64 either way)")
    args = ap.parse_args()
    H = np.load(args.filters).astype(np.float64)
    H = H.reshape(H.shape[0], -1)
    M, blocks = grid()
    # validate the vectorised search against a plain loop before timing
    idx, _ = search(H[:4], M, blocks)
    for i in range(4):
        want = naive(H[i], M, blocks)
        if list(idx[i]) != want:
            sys.exit(f"validation failed on filter {i}: {list(idx[i])} vs {want}")
    H = H.astype(args.dtype)
    M = M.astype(args.dtype)
    best = np.inf
    for _ in range(args.repeat):
        t = time.perf_counter()
        idx, res = search(H, M, blocks)
        fam = np.argmin(res, axis=1)
        best = min(best, time.perf_counter() - t)
    n = H.shape[0]
    print(f"candidates: {M.shape[0]}, filters: {n}, {args.dtype}, numpy {np.__version__}, "
          f"best of {args.repeat}: {best:.3f} s")
    print(f"multiply-adds per filter in the matrix product: {M.shape[0] * M.shape[1]}")
    print(f"numpy-grid: {n / best:.0f} filters/s")
    if args.out:
        with open(args.out, "w") as f:
            f.write("channel,family\n")
            for i in range(n):
                f.write(f"{i},{FAMILIES[fam[i]]}\n")


if __name__ == "__main__":
    main()
