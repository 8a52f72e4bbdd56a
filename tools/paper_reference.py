#!/usr/bin/python3
"""Independent Python reference for Scalespace's fitting of idealized discrete
scale-space filters to the 8 "master key filters".

Two modes:

  paper_reference.py [FILTERS]                  (default: --mode paper)
      Re-implements the fitting methods of Lindeberg, Babaiee & Kiasari,
      "Modelling and analysis of the 8 filters from the master key filters
      hypothesis ..." (arXiv 2509.12746), as described in docs/paper-method.md:
      'paper' template construction, 'paper' normalisation, methods
      A B A2 B2 C1 C2 C3 D1 D2 D3.  Prints
          {method: {"1": {"sigma_x", "sigma_y", "alpha", "l1", "l2"}, ... "8": {...}}}

  paper_reference.py --mode default-fit [FILTERS]
      The default bulk fit of SPEC sections 6/7: 'exact' construction,
      'gain-offset' normalisation, families gauss dx dy dxp dxm dyp dym dog,
      separate scales, sigma in [0.05, 4], alpha in [0, 10]; the family with the
      smallest relative l2 residual wins.  Prints
          {"1": {"family", "sigma_x", "sigma_y", "alpha", "gain", "offset",
                 "rel_l2", "edge", "candidates": {family: {...}}}, ...}

  --dc published (paper mode) normalises filters 7 and 8 with the DC constants hard-coded in the
  published code instead of the exact minimiser of sqrt(det V(|h - C|)).
  --details adds diagnostics (normalisation constants, windowed variances,
  edge flags) under a separate top-level key "_details" (paper mode only).

Written from SPEC.md and the published method description only; uses
numpy / scipy / mpmath, nothing from the Java code.  Run with /usr/bin/python3.

Coordinates: A[row][col], x = col - 3, y = 3 - row (y up).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from scipy import optimize
from scipy.special import ive

K = 7
RAD = 3
NS = np.arange(-RAD, RAD + 1)          # n = -3..3 (coordinate order)
XS = np.tile(NS.astype(float), (K, 1))  # x = col - 3
YS = np.tile((RAD - np.arange(K)).astype(float)[:, None], (1, K))  # y = 3 - row

SIGMA_MIN_PAPER = 1e-4
SIGMA_MAX = 4.0
FAMILIES_PAPER = {1: 'dyp', 2: 'dxm', 3: 'dym', 4: 'dxp', 5: 'dx', 6: 'dy', 7: 'dog', 8: 'gauss'}
DERIV_AXIS = {'dx': 'x', 'dxp': 'x', 'dxm': 'x', 'dy': 'y', 'dyp': 'y', 'dym': 'y'}
# difference operator along (x, y) for each family: I = identity, c = central,
# p = forward delta+, m = backward delta-
FAMILY_OPS = {'gauss': ('I', 'I'), 'dx': ('c', 'I'), 'dy': ('I', 'c'),
              'dxp': ('p', 'I'), 'dxm': ('m', 'I'), 'dyp': ('I', 'p'), 'dym': ('I', 'm')}
GROUPS = [(1, 2, 3, 4, 8), (5, 6)]
DEFAULT_FAMILY_ORDER = ['gauss', 'dx', 'dy', 'dxp', 'dxm', 'dyp', 'dym', 'dog']


# ---------------------------------------------------------------- input
def read_filters(path):
    """'#' comments, 'Filter N:' followed by 7 rows of 7 numbers (row 0 = top, y = +3)."""
    filters = {}
    cur, rows = None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.lower().startswith('filter'):
                if cur is not None:
                    filters[cur] = np.array(rows, dtype=float)
                cur = int(line.split()[1].rstrip(':'))
                rows = []
            else:
                rows.append([float(v) for v in line.split()])
    if cur is not None:
        filters[cur] = np.array(rows, dtype=float)
    for k, a in filters.items():
        if a.shape != (K, K):
            raise ValueError(f'{path}: filter {k} has shape {a.shape}, expected 7x7')
    return filters


# ---------------------------------------------------------------- discrete Gaussian
def T(n, s):
    """T(n; s) = e^{-s} I_n(s) for integer n (array ok), s >= 0."""
    return ive(np.abs(np.asarray(n)), s)


def adaptive_radius(s, eps=1e-8):
    """Smallest R with T(0) + 2 sum_{1..R} T(n) >= 1 - eps (float64 accumulation)."""
    mass = float(T(0, s))
    r = 0
    while mass < 1.0 - eps:
        r += 1
        mass += 2.0 * float(T(r, s))
        if r > 100000:
            raise RuntimeError('adaptive radius did not converge')
    return r


def gauss_paper_1d(sigma, eps=1e-8):
    """Adaptive discrete Gaussian (eps) cropped / zero-padded to the 7 taps n = -3..3."""
    s = sigma * sigma
    r = adaptive_radius(s, eps)
    t = T(NS, s)
    t[np.abs(NS) > r] = 0.0
    return t


def diff_reflect(t, op):
    """Apply a 1-D difference to the 7-tap array t (coordinate order) with half-sample
    symmetric boundaries: index -1 reads index 0, index 7 reads index 6."""
    if op == 'I':
        return t.copy()
    ext = np.concatenate(([t[0]], t, [t[-1]]))
    up, mid, lo = ext[2:], ext[1:-1], ext[:-2]   # f(n+1), f(n), f(n-1)
    if op == 'c':
        return 0.5 * (up - lo)
    if op == 'p':
        return up - mid
    if op == 'm':
        return mid - lo
    if op == '2':
        return up - 2.0 * mid + lo
    raise ValueError(op)


def diff_exact(s, op):
    """Difference operator applied to the untruncated T, evaluated at n = -3..3."""
    tu, tm, tl = T(NS + 1, s), T(NS, s), T(NS - 1, s)
    if op == 'I':
        return tm
    if op == 'c':
        return 0.5 * (tu - tl)
    if op == 'p':
        return tu - tm
    if op == 'm':
        return tm - tl
    if op == '2':
        return tu - 2.0 * tm + tl
    raise ValueError(op)


def outer_xy(xprof, yprof):
    """2-D array A[row][col] = yprof(y) * xprof(x) with x = col-3, y = 3-row; profiles in
    coordinate order n = -3..3."""
    return np.outer(yprof[::-1], xprof)


def lap5_zero(g):
    """Five-point Laplacian of a 7x7 array with zero boundaries."""
    p = np.pad(g, 1)
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * g


DELTA2 = np.zeros((K, K))
DELTA2[RAD, RAD] = 1.0


def template_paper(family, sx, sy, alpha=0.0):
    if family == 'dog':
        t = gauss_paper_1d(sx)
        return DELTA2 - alpha * lap5_zero(outer_xy(t, t))
    ox, oy = FAMILY_OPS[family]
    return outer_xy(diff_reflect(gauss_paper_1d(sx), ox), diff_reflect(gauss_paper_1d(sy), oy))


def template_exact(family, sx, sy, alpha=0.0):
    if family == 'dog':
        s = sx * sx
        lap = outer_xy(diff_exact(s, '2'), diff_exact(s, 'I')) + \
            outer_xy(diff_exact(s, 'I'), diff_exact(s, '2'))
        return DELTA2 - alpha * lap
    ox, oy = FAMILY_OPS[family]
    return outer_xy(diff_exact(sx * sx, ox), diff_exact(sy * sy, oy))


# ---------------------------------------------------------------- spread measures
def spread_mean(w):
    sw = w.sum()
    return np.array([(XS * w).sum() / sw, (YS * w).sum() / sw])


def spread_var(w):
    sw = w.sum()
    mx, my = spread_mean(w)
    vxx = (XS * XS * w).sum() / sw - mx * mx
    vyy = (YS * YS * w).sum() / sw - my * my
    vxy = (XS * YS * w).sum() / sw - mx * my
    return np.array([[vxx, vxy], [vxy, vyy]])


# ---------------------------------------------------------------- paper normalisation
def sqrtdetvar_dc(h, c):
    v = spread_var(np.abs(h - c))
    d = v[0, 0] * v[1, 1] - v[0, 1] * v[1, 0]
    return math.sqrt(max(d, 0.0))


def dc_constant(h):
    """C minimising sqrt(det V(|h - C|)): dense grid over [min h, max h], then bounded
    Brent polish of the best grid cell, then the kinks (C = h_ij) inside that cell."""
    lo, hi = float(h.min()), float(h.max())
    grid = np.linspace(lo, hi, 200001)
    # vectorised evaluation over the grid
    vals = np.empty(grid.size)
    hf = h.ravel()
    xs, ys = XS.ravel(), YS.ravel()
    for a in range(0, grid.size, 4000):
        g = grid[a:a + 4000]
        w = np.abs(hf[None, :] - g[:, None])
        sw = w.sum(1)
        mx = (w * xs).sum(1) / sw
        my = (w * ys).sum(1) / sw
        vxx = (w * xs * xs).sum(1) / sw - mx * mx
        vyy = (w * ys * ys).sum(1) / sw - my * my
        vxy = (w * xs * ys).sum(1) / sw - mx * my
        vals[a:a + 4000] = np.sqrt(np.maximum(vxx * vyy - vxy * vxy, 0.0))
    i = int(np.argmin(vals))
    a, b = grid[max(i - 2, 0)], grid[min(i + 2, grid.size - 1)]
    f = lambda c: sqrtdetvar_dc(h, c)
    res = optimize.minimize_scalar(f, bounds=(a, b), method='bounded',
                                   options={'xatol': 1e-15, 'maxiter': 2000})
    cands = [(res.fun, res.x)] + [(f(c), c) for c in hf if a <= c <= b] + [(vals[i], grid[i])]
    best = min(cands)
    return best[1], best[0]


def normalise_paper(h, family):
    """Returns (normalised filter, info dict)."""
    if family in DERIV_AXIS:
        m = spread_mean(np.abs(h))
        if DERIV_AXIS[family] == 'x':
            r = float((h * (-XS - m[0])).sum())
        else:
            r = float((h * (-YS - m[1])).sum())
        return h / r, {'kind': 'ramp', 'M': m.tolist(), 'R': r}
    c, fmin = dc_constant(h)
    dc = float((h - c).sum())
    return (h - c) / dc, {'kind': 'dc', 'C': c, 'sqrtdetV_min': fmin, 'sum_h_minus_C': dc}


# ---------------------------------------------------------------- metrics
def l1(a):
    return float(np.abs(a).sum())


def l2(a):
    return float(math.sqrt((a * a).sum()))


# ---------------------------------------------------------------- optimisation helpers
def log_grid(lo, hi, n):
    return np.exp(np.linspace(math.log(lo), math.log(hi), n))


def polish(fun, x0, bounds, tol=1e-9, step0=None):
    """Local refinement: repeated bounded Nelder-Mead from x0 followed by a pattern-search
    check on a shrinking stencil, until no stencil point improves (|dx| <= tol)."""
    x = np.array(x0, float)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    fx = fun(x)
    for _ in range(20):
        r = optimize.minimize(fun, x, method='Nelder-Mead', bounds=bounds,
                              options={'xatol': tol * 0.1, 'fatol': 1e-16, 'maxiter': 20000,
                                       'maxfev': 40000, 'initial_simplex': None})
        improved = False
        if r.fun < fx:
            x, fx = np.clip(r.x, lo, hi), r.fun
            improved = True
        # pattern search around x (coordinate and diagonal moves)
        step = 1e-3 if step0 is None else step0
        while step >= tol:
            moved = False
            dirs = []
            for d in range(len(x)):
                e = np.zeros(len(x)); e[d] = 1.0
                dirs += [e, -e]
            if len(x) == 2:
                dirs += [np.array(v, float) for v in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
            for e in dirs:
                xn = np.clip(x + step * e, lo, hi)
                fn = fun(xn)
                if fn < fx - 1e-17:
                    x, fx, moved = xn, fn, True
                    break
            if moved:
                improved = True
            else:
                step *= 0.5
        if not improved:
            break
    return x, fx


def edge_flags(x, bounds, tol=1e-6):
    return [bool(abs(x[i] - b[0]) <= tol * max(1.0, abs(b[0])) * 10 or
                 abs(x[i] - b[1]) <= tol * max(1.0, abs(b[1])) * 10)
            for i, b in enumerate(bounds)]


# ---------------------------------------------------------------- paper methods
# DC constants hard-coded in the published code (filteranal.py, Chat(7), Chat(8)); they came
# from a grid + parabolic interpolation and are slightly off the exact minimiser, which lies on a
# kink of sqrt(det V(|h - C|)) at C = one of the filter values (see docs/paper-method.md).
PUBLISHED_DC = {7: -0.011775472973773075, 8: -0.0386329733224079}


class PaperFitter:
    def __init__(self, filters, dc='exact'):
        self.h = filters
        self.norm = {}
        self.info = {}
        for k in range(1, 9):
            self.norm[k], self.info[k] = normalise_paper(filters[k], FAMILIES_PAPER[k])
            if dc == 'published' and k in PUBLISHED_DC:
                c = PUBLISHED_DC[k]
                sdc = float((filters[k] - c).sum())
                self.norm[k] = (filters[k] - c) / sdc
                self.info[k] = {'kind': 'dc', 'C': c, 'source': 'published Chat()',
                                'sqrtdetV_at_C': sqrtdetvar_dc(filters[k], c),
                                'sum_h_minus_C': sdc}
        self.details = {'normalisation': {str(k): self.info[k] for k in range(1, 9)},
                        'edge': {}}
        # cache of 1-D paper profiles on demand
        self._cache = {}

    # ---- objective pieces
    def templ(self, k, sx, sy, alpha=0.0):
        return template_paper(FAMILIES_PAPER[k], sx, sy, alpha)

    def err(self, k, sx, sy, alpha=0.0):
        d = self.norm[k] - self.templ(k, sx, sy, alpha)
        return l1(d), l2(d)

    def entry(self, k, sx, sy, alpha=0.0):
        e1, e2 = self.err(k, sx, sy, alpha)
        return {'sigma_x': float(sx), 'sigma_y': float(sy), 'alpha': float(alpha),
                'l1': e1, 'l2': e2}

    # ---- grids of 1-D profiles for fast coarse searches
    def profiles(self, sigmas, op):
        key = (op, sigmas[0], sigmas[-1], len(sigmas))
        if key not in self._cache:
            self._cache[key] = np.array([diff_reflect(gauss_paper_1d(s), op) for s in sigmas])
        return self._cache[key]

    def coarse_sep(self, k, metric, sigmas):
        fam = FAMILIES_PAPER[k]
        ox, oy = FAMILY_OPS[fam]
        px = self.profiles(sigmas, ox)          # (n, 7) in x coordinate order
        py = self.profiles(sigmas, oy)[:, ::-1]  # (n, 7) in row order
        # templates[i, j] = outer(py[j], px[i]) -> residual over the grid
        h = self.norm[k]
        tpl = np.einsum('jr,ic->ijrc', py, px)
        d = h[None, None] - tpl
        if metric == 'l1':
            f = np.abs(d).sum((2, 3))
        else:
            f = np.sqrt((d * d).sum((2, 3)))
        return f  # f[i, j] for sigma_x = sigmas[i], sigma_y = sigmas[j]

    def fit_sep(self, k, metric):
        sig = log_grid(SIGMA_MIN_PAPER, SIGMA_MAX, 401)
        f = self.coarse_sep(k, metric, sig)
        i, j = np.unravel_index(np.argmin(f), f.shape)
        m = 0 if metric == 'l1' else 1
        fun = lambda v: self.err(k, v[0], v[1])[m]
        bounds = [(SIGMA_MIN_PAPER, SIGMA_MAX)] * 2
        x, _ = polish(fun, [sig[i], sig[j]], bounds, tol=1e-8)
        return x, edge_flags(x, bounds)

    def fit_same(self, ks, metric):
        """One sigma shared by x, y and by all filters in ks: minimise sum of l1, or sum
        of squared l2."""
        m = 0 if metric == 'l1' else 1

        def fun1(s):
            tot = 0.0
            for k in ks:
                e = self.err(k, s, s)[m]
                tot += e if metric == 'l1' else e * e
            return tot
        sig = log_grid(SIGMA_MIN_PAPER, SIGMA_MAX, 4001)
        vals = np.array([fun1(s) for s in sig])
        i = int(np.argmin(vals))
        bounds = [(SIGMA_MIN_PAPER, SIGMA_MAX)]
        x, _ = polish(lambda v: fun1(v[0]), [sig[i]], bounds, tol=1e-9)
        return x[0], edge_flags(x, bounds)[0]

    def fit_dog(self, metric, k=7, alpha_max=10.0):
        m = 0 if metric == 'l1' else 1
        sig = log_grid(SIGMA_MIN_PAPER, SIGMA_MAX, 401)
        alphas = np.linspace(0.0, alpha_max, 1001)
        h = self.norm[k]
        best = (np.inf, None, None)
        for s in sig:
            t = gauss_paper_1d(s)
            lap = lap5_zero(outer_xy(t, t))
            d = (h - DELTA2)[None] + alphas[:, None, None] * lap[None]
            v = np.abs(d).sum((1, 2)) if m == 0 else np.sqrt((d * d).sum((1, 2)))
            a = int(np.argmin(v))
            if v[a] < best[0]:
                best = (v[a], s, alphas[a])
        bounds = [(SIGMA_MIN_PAPER, SIGMA_MAX), (0.0, alpha_max)]
        fun = lambda v: self.err(k, v[0], v[0], v[1])[m]
        x, _ = polish(fun, [best[1], best[2]], bounds, tol=1e-8)
        return x, edge_flags(x, bounds)

    # ---- variance-based methods
    def sigma_ref(self, k):
        return 1.0 / math.sqrt(2.0) if FAMILIES_PAPER[k] == 'dog' else 1.0

    def window(self, k):
        """|template(sigma_ref, sigma_ref)|; for the dog filter the published code uses the
        Gaussian template (its 'I' model of filter 7) as window -- unused by any fit."""
        r = self.sigma_ref(k)
        if FAMILIES_PAPER[k] == 'dog':
            return np.abs(template_paper('gauss', r, r))
        return np.abs(self.templ(k, r, r))

    def windowed_var(self, k):
        return spread_var(np.abs(self.norm[k]) * self.window(k))

    def method_A(self, k):
        fam = FAMILIES_PAPER[k]
        v = self.windowed_var(k)
        ax = DERIV_AXIS.get(fam)
        sx = math.sqrt(2.0 * v[0, 0] / (3.0 if ax == 'x' else 1.0))
        sy = math.sqrt(2.0 * v[1, 1] / (3.0 if ax == 'y' else 1.0))
        return sx, sy

    def method_B(self, k):
        fam = FAMILIES_PAPER[k]
        r = self.sigma_ref(k)
        w = self.window(k)
        target = self.windowed_var(k)
        out = []
        for axis in (0, 1):
            def g(s):
                tp = self.templ(k, s, r) if axis == 0 else self.templ(k, r, s)
                return spread_var(np.abs(tp) * w)[axis, axis] - target[axis, axis]
            sig = log_grid(SIGMA_MIN_PAPER, SIGMA_MAX, 2001)
            vals = np.array([g(s) for s in sig])
            roots = []
            for i in range(len(sig) - 1):
                if vals[i] == 0.0:
                    roots.append(sig[i])
                elif vals[i] * vals[i + 1] < 0:
                    roots.append(optimize.brentq(g, sig[i], sig[i + 1], xtol=1e-15, rtol=1e-15,
                                                 maxiter=500))
            if not roots:
                raise RuntimeError(f'method B: no root for filter {k} axis {axis}')
            if len(roots) > 1:
                self.details.setdefault('B_multiple_roots', {})[f'{k}{"xy"[axis]}'] = roots
            out.append(roots[0])
        return out[0], out[1]

    # ---- all methods
    def run(self):
        res = {}
        # filter 7 (dog): l1 and l2 fits of (sigma, alpha)
        dog = {}
        for metric in ('l1', 'l2'):
            x, e = self.fit_dog(metric)
            dog[metric] = self.entry(7, x[0], x[0], x[1])
            self.details['edge'][f'dog_{metric}'] = e
        # variance-based
        for name, fn in (('A', self.method_A), ('B', self.method_B)):
            sep = {}
            for k in range(1, 9):
                if k == 7:
                    continue
                sep[k] = fn(k)
            out = {str(k): self.entry(k, *sep[k]) for k in sep}
            out['7'] = dog['l2']
            res[name] = dict(sorted(out.items()))
            joint = {}
            for grp in GROUPS:
                prod = 1.0
                for k in grp:
                    prod *= sep[k][0] * sep[k][1]
                g = prod ** (1.0 / (2 * len(grp)))
                for k in grp:
                    joint[str(k)] = self.entry(k, g, g)
            joint['7'] = dog['l2']
            res[name + '2'] = dict(sorted(joint.items()))
        # l1 / l2 minimisation
        for metric, pre in (('l1', 'C'), ('l2', 'D')):
            sep, same, joint = {}, {}, {}
            for k in range(1, 9):
                if k == 7:
                    continue
                x, e = self.fit_sep(k, metric)
                sep[str(k)] = self.entry(k, x[0], x[1])
                self.details['edge'][f'{pre}1_{k}'] = e
                s, e = self.fit_same([k], metric)
                same[str(k)] = self.entry(k, s, s)
                self.details['edge'][f'{pre}2_{k}'] = e
            for grp in GROUPS:
                s, e = self.fit_same(list(grp), metric)
                self.details['edge'][f'{pre}3_{"".join(map(str, grp))}'] = e
                for k in grp:
                    joint[str(k)] = self.entry(k, s, s)
            for d in (sep, same, joint):
                d['7'] = dog[metric]
            res[pre + '1'] = dict(sorted(sep.items()))
            res[pre + '2'] = dict(sorted(same.items()))
            res[pre + '3'] = dict(sorted(joint.items()))
        order = ['A', 'B', 'A2', 'B2', 'C1', 'C2', 'C3', 'D1', 'D2', 'D3']
        self.details['windowed_variance'] = {str(k): self.windowed_var(k).tolist()
                                             for k in range(1, 9)}
        self.details['normalised_filters'] = {str(k): self.norm[k].tolist() for k in range(1, 9)}
        self.details['templates'] = template_vectors()
        return {m: res[m] for m in order}


def template_vectors():
    """Templates at fixed parameters, both constructions, as unit-test vectors
    (A[row][col], row 0 = top, y = +3)."""
    pts = [(0.05, 0.3), (0.6, 0.9), (2.5, 1.7)]
    out = {'paper': {}, 'exact': {}}
    for cons, fn in (('paper', template_paper), ('exact', template_exact)):
        for fam in ['gauss', 'dx', 'dy', 'dxp', 'dxm', 'dyp', 'dym']:
            for sx, sy in pts:
                out[cons][f'{fam}({sx},{sy})'] = fn(fam, sx, sy).tolist()
        for sg, al in [(0.7, 0.5), (2.0, 0.3)]:
            out[cons][f'dog({sg},alpha={al})'] = fn('dog', sg, sg, al).tolist()
    return out


# ---------------------------------------------------------------- default bulk fit
def gain_offset_fit(h, m):
    """Least squares h ~ a m + b (closed form). Returns a, b, residual l2, l1."""
    hv, mv = h.ravel(), m.ravel()
    mm, hm = mv.mean(), hv.mean()
    dm = mv - mm
    den = float(dm @ dm)
    a = float(dm @ (hv - hm)) / den if den > 0 else 0.0
    b = hm - a * mm
    r = hv - (a * mv + b)
    return a, b, float(math.sqrt(r @ r)), float(np.abs(r).sum())


def default_fit(filters, smin=0.05, smax=4.0, alpha_max=10.0):
    out = {}
    for k in sorted(filters):
        h = filters[k]
        hn = float(np.linalg.norm(h - h.mean()))
        cands = {}
        for fam in DEFAULT_FAMILY_ORDER:
            if fam == 'dog':
                bounds = [(smin, smax), (0.0, alpha_max)]
                fun = lambda v: gain_offset_fit(h, template_exact('dog', v[0], v[0], v[1]))[2]
                sig = log_grid(smin, smax, 301)
                al = np.linspace(0.0, alpha_max, 1001)
                hv = h.ravel() - h.mean()
                best = (np.inf, None)
                for s in sig:
                    lap = (DELTA2 - template_exact('dog', s, s, 1.0)).ravel()
                    tpl = DELTA2.ravel()[None, :] - al[:, None] * lap[None, :]
                    tc = tpl - tpl.mean(1, keepdims=True)
                    num = tc @ hv
                    den = (tc * tc).sum(1)
                    res2 = float(hv @ hv) - num * num / den
                    a = int(np.argmin(res2))
                    if res2[a] < best[0]:
                        best = (res2[a], (s, al[a]))
                x, fx = polish(fun, best[1], bounds, tol=1e-9)
                sx, sy, alpha = x[0], x[0], x[1]
            else:
                bounds = [(smin, smax)] * 2
                fun = lambda v, fam=fam: gain_offset_fit(h, template_exact(fam, v[0], v[1]))[2]
                sig = log_grid(smin, smax, 201)
                ox, oy = FAMILY_OPS[fam]
                px = np.array([diff_exact(s * s, ox) for s in sig])
                py = np.array([diff_exact(s * s, oy) for s in sig])[:, ::-1]
                tpl = np.einsum('jr,ic->ijrc', py, px).reshape(len(sig), len(sig), K * K)
                tc = tpl - tpl.mean(2, keepdims=True)
                hv = h.ravel() - h.mean()
                num = tc @ hv
                den = (tc * tc).sum(2)
                res2 = float(hv @ hv) - np.where(den > 0, num * num / np.where(den > 0, den, 1), 0)
                i, j = np.unravel_index(np.argmin(res2), res2.shape)
                x, fx = polish(fun, [sig[i], sig[j]], bounds, tol=1e-9)
                sx, sy, alpha = x[0], x[1], 0.0
            m = template_exact(fam, sx, sy, alpha)
            a, b, r2, r1 = gain_offset_fit(h, m)
            e = edge_flags(x, bounds)
            cands[fam] = {'sigma_x': float(sx), 'sigma_y': float(sy), 'alpha': float(alpha),
                          'gain': a, 'offset': b, 'l2': r2, 'l1': r1, 'rel_l2': r2 / hn,
                          'edge': bool(any(e))}
        best = min(DEFAULT_FAMILY_ORDER, key=lambda f: (cands[f]['rel_l2'],
                                                        DEFAULT_FAMILY_ORDER.index(f)))
        c = cands[best]
        out[str(k)] = {'family': best, 'sigma_x': c['sigma_x'], 'sigma_y': c['sigma_y'],
                       'alpha': c['alpha'], 'gain': c['gain'], 'offset': c['offset'],
                       'rel_l2': c['rel_l2'], 'edge': c['edge'], 'candidates': cands}
    return out


# ---------------------------------------------------------------- main
def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    default_path = os.path.normpath(os.path.join(
        here, '..', '..', 'shared', 'data', 'master_key_filters_convnextv2_tiny.txt'))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('filters', nargs='?', default=default_path,
                    help='filter text file (default: ../shared/data/... relative to repo root)')
    ap.add_argument('--mode', choices=['paper', 'default-fit'], default='paper')
    ap.add_argument('--details', action='store_true', help='add "_details" diagnostics')
    ap.add_argument('--dc', choices=['exact', 'published'], default='exact',
                    help='paper mode, filters 7 and 8: exact minimiser of sqrt(det V(|h-C|)) '
                         '(default) or the constants hard-coded in the published code')
    args = ap.parse_args(argv)
    filters = read_filters(args.filters)
    if args.mode == 'paper':
        pf = PaperFitter(filters, dc=args.dc)
        res = pf.run()
        if args.details:
            res['_details'] = pf.details
    else:
        res = default_fit(filters)
    json.dump(res, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
