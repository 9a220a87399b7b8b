"""Fits the rational approximation of erf used by Quill's float GELU kernel (dev.quill.autograd.FastMath).

    erf(x) ~= x * P(x^2) / Q(x^2)   for |x| <= 4,   P of degree 6, Q of degree 5 with Q(0) = 1
    erf(x)  = sign(x)               beyond (erf(4) = 1 - 1.5e-8, below half a float ulp of 1)

An odd function by construction, so one formula covers both signs with no branch. The fit is weighted
least squares on the linearized problem x P - f Q = 0, reweighted by 1 / (x Q) from the previous round
(Loeb's iteration; odd_rational.py, shared with fit_tanh.py), which converges to a near-minimax relative error. Prints the coefficients in Java
syntax and the error of the formula evaluated in float32 (Horner's rule, as the Java loop does it).

Run: /usr/bin/python3 tools/kernels/fit_erf.py
"""
import os
import sys

import numpy as np
from scipy.special import erf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odd_rational import eval32, fit  # noqa: E402

P_DEG, Q_DEG, LIMIT = 6, 5, 4.0

p, q = fit(erf, LIMIT, P_DEG, Q_DEG, points=20000, rounds=30)


def approx32(xs):
    return eval32(p, q, LIMIT, xs)


test = np.linspace(-6, 6, 2_000_001)
exact = erf(test)
got = approx32(test).astype(np.float64)
print("max abs error (float32 evaluation, [-6, 6]):", np.max(np.abs(got - exact)))
small = np.abs(test) > 1e-3
print("max rel error (|x| > 1e-3):", np.max(np.abs(got[small] - exact[small]) / np.abs(exact[small])))
print("P:", ", ".join(f"{c:.9e}f" for c in p))
print("Q:", ", ".join(f"{c:.9e}f" for c in q))
