#!/usr/bin/python3
"""High-precision test vectors for the discrete Gaussian T(n; s) = e^{-s} I_n(s).

Writes (default directory: src/test/resources/vectors relative to the repo root):

  discrete_gaussian.csv   s,n,T         T(n; s) to 20 significant digits, mpmath (mp.dps = 50)
  adaptive_radius.csv     s,eps,R       smallest R with T(0) + 2 sum_{n=1..R} T(n) >= 1 - eps
  exact_1d.csv            sigma,kind,n,value
                          'exact' 1-D kernels (untruncated T, window n = -3..3):
                          T = T(n), delta = (T(n+1)-T(n-1))/2, delta_plus = T(n+1)-T(n),
                          delta_minus = T(n)-T(n-1), delta2 = T(n+1)-2T(n)+T(n-1), s = sigma^2

Every value is computed from mpmath.besseli at 50 decimal digits; nothing is taken from a
double-precision implementation.  Run with /usr/bin/python3 (needs mpmath).
"""
import argparse
import os
import sys

import mpmath
from mpmath import mp, mpf

mp.dps = 50

S_VALUES = ['0', '1e-8', '1e-6', '1e-3', '0.0025', '0.01', '0.1', '0.5', '1', '2', '4.5', '10',
            '16', '50', '100', '1000', '10000']
EPS_VALUES = ['1e-8', '1e-4', '1e-12']
SIGMAS_1D = ['0.3', '1', '2.5']
TINY = mpf('1e-300')
MAX_PER_S = 60


def T(n, s):
    n = abs(int(n))
    if s == 0:
        return mpf(1) if n == 0 else mpf(0)
    return mp.exp(-s) * mp.besseli(n, s)


def last_n_above(s, thresh=TINY):
    """Largest n with T(n; s) >= thresh (T decreases in n >= 0)."""
    if s == 0:
        return 0
    lo = 0
    hi = 16
    while T(hi, s) >= thresh:
        lo = hi
        hi *= 2
    while hi - lo > 1:          # invariant: T(lo) >= thresh > T(hi)
        mid = (lo + hi) // 2
        if T(mid, s) >= thresh:
            lo = mid
        else:
            hi = mid
    return lo


def sample_ns(s, nmax):
    base = set(range(0, 11))
    if nmax <= MAX_PER_S - 1:
        return sorted(set(range(0, max(nmax, 10) + 1)))
    pts = set(base)
    pts.update({nmax - 2, nmax - 1, nmax})
    sig = mp.sqrt(s)
    # bulk: multiples of sigma
    for k in ['0.5', '1', '1.5', '2', '3', '4', '5', '6', '8', '10', '12', '15', '20', '25', '30',
              '35', '40']:
        n = int(mp.nint(sig * mpf(k)))
        if 10 < n < nmax:
            pts.add(n)
    # fill up with evenly spaced points up to the tail
    free = MAX_PER_S - len(pts)
    if free > 0:
        step = (nmax - 11) / (free + 1)
        for i in range(1, free + 1):
            pts.add(11 + int(round(i * step)))
    pts = sorted(p for p in pts if 0 <= p <= nmax)
    return pts[:MAX_PER_S] if len(pts) > MAX_PER_S else pts


def fmt(x):
    if x == 0:
        return '0.0'
    return mpmath.nstr(x, 20, min_fixed=-4, max_fixed=6)


def write_discrete_gaussian(path):
    lines = ['s,n,T']
    for s_str in S_VALUES:
        s = mpf(s_str)
        nmax = last_n_above(s)
        for n in sample_ns(s, nmax):
            lines.append(f'{s_str},{n},{fmt(T(n, s))}')
        print(f'discrete_gaussian: s={s_str} last n with T>=1e-300: {nmax}', file=sys.stderr)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def adaptive_R(s, eps):
    """Smallest R with T(0) + 2 sum_{1..R} T(n) >= 1 - eps; also returns the margin."""
    if s == 0:
        return 0, mpf(1) - (1 - eps)
    # start near the Gaussian estimate to save Bessel evaluations: R0 below the answer
    mass = T(0, s)
    r = 0
    target = 1 - eps
    # jump: sum the central part in one pass
    while mass < target:
        r += 1
        mass += 2 * T(r, s)
    return r, mass - target


def write_adaptive_radius(path):
    lines = ['s,eps,R']
    for s_str in S_VALUES:
        s = mpf(s_str)
        for e_str in EPS_VALUES:
            eps = mpf(e_str)
            r, margin = adaptive_R(s, eps)
            lines.append(f'{s_str},{e_str},{r}')
            # how close the criterion is to flipping in double precision
            prev_margin = margin - (2 * T(r, s) if r > 0 else 0)
            print(f'adaptive_radius: s={s_str} eps={e_str} R={r} '
                  f'mass(R)-(1-eps)={mpmath.nstr(margin, 3)} '
                  f'mass(R-1)-(1-eps)={mpmath.nstr(prev_margin, 3)}', file=sys.stderr)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def write_exact_1d(path):
    lines = ['sigma,kind,n,value']
    for sg in SIGMAS_1D:
        s = mpf(sg) ** 2
        t = {n: T(n, s) for n in range(-4, 5)}
        kinds = [
            ('T', lambda n: t[n]),
            ('delta', lambda n: (t[n + 1] - t[n - 1]) / 2),
            ('delta_plus', lambda n: t[n + 1] - t[n]),
            ('delta_minus', lambda n: t[n] - t[n - 1]),
            ('delta2', lambda n: t[n + 1] - 2 * t[n] + t[n - 1]),
        ]
        for name, fn in kinds:
            for n in range(-3, 4):
                lines.append(f'{sg},{name},{n},{fmt(fn(n))}')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(here, '..', 'src', 'test', 'resources',
                                                  'vectors'))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write_discrete_gaussian(os.path.join(args.out, 'discrete_gaussian.csv'))
    write_adaptive_radius(os.path.join(args.out, 'adaptive_radius.csv'))
    write_exact_1d(os.path.join(args.out, 'exact_1d.csv'))


if __name__ == '__main__':
    main()
