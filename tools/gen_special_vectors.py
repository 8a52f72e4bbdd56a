#!/usr/bin/python3
"""High-precision test vectors for the special functions and the integrated Gaussian.

Writes (default directory: src/test/resources/vectors relative to the repo root):

  special_functions.csv   function,x,value    erf(x) and erfc(x) to 20 significant digits
  integrated_gaussian.csv sigma,n,value       Phi((n+1/2)/sigma) - Phi((n-1/2)/sigma), the pixel-box integral of
                                              the unit-mass Gaussian of standard deviation sigma

Every value is computed with mpmath at 50 decimal digits; nothing is taken from a double-precision implementation.
The x values are written as decimal strings that are exactly representable in binary (or whose conversion error
is far below the tested tolerance, see the test). Run with /usr/bin/python3 (needs mpmath).
"""
import argparse
import os

import mpmath
from mpmath import mp, mpf

mp.dps = 50

X_VALUES = ['-6', '-3', '-1.5', '-0.5', '-0.001', '0', '1e-10', '0.001', '0.1', '0.25', '0.5', '0.75', '1',
            '1.25', '1.5', '1.75', '1.9375', '2', '2.0625', '2.5', '3', '4', '5', '6', '8', '10', '15', '20',
            '25', '26.5']
SIGMAS = ['0.25', '0.5', '1', '2.5', '5']
N_MAX = 12


def fmt(x):
    if x == 0:
        return '0.0'
    return mpmath.nstr(x, 20, min_fixed=-4, max_fixed=6)


def box(n, s):
    """Phi((n+1/2)/s) - Phi((n-1/2)/s) for n >= 0, written with upper tails: as a difference of Phi values near 1
    it would cancel catastrophically in the far tail, even at 50 digits."""
    c = 1 / (s * mp.sqrt(2))
    return (mpmath.erfc((n - mpf('0.5')) * c) - mpmath.erfc((n + mpf('0.5')) * c)) / 2


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(here, '..', 'src', 'test', 'resources', 'vectors'))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lines = ['function,x,value']
    for xs in X_VALUES:
        x = mpf(xs)
        lines.append(f'erf,{xs},{fmt(mpmath.erf(x))}')
        lines.append(f'erfc,{xs},{fmt(mpmath.erfc(x))}')
    with open(os.path.join(args.out, 'special_functions.csv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    lines = ['sigma,n,value']
    for ss in SIGMAS:
        s = mpf(ss)
        for n in range(0, N_MAX + 1):
            v = box(n, s)
            lines.append(f'{ss},{n},{fmt(v)}')
    with open(os.path.join(args.out, 'integrated_gaussian.csv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
