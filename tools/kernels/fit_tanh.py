"""Fits the rational approximation of tanh used by Quill's float tanh-form GELU (dev.quill.autograd.FastMath).

    tanh(x) ~= x * P(x^2) / Q(x^2)   for |x| <= 9,   P and Q of degree 6 with Q(0) = 1
    tanh(x)  = sign(x)               beyond (tanh(9) = 1 - 3.0e-8, below half a float ulp of 1)

The same method as fit_erf.py (odd_rational.py): odd by construction, weighted least squares on x P - f Q = 0, reweighted by
1 / (x Q) from the previous round (Loeb's iteration) towards a near-minimax relative error. Prints the
coefficients in Java syntax and the error of the formula evaluated in float32 (Horner's rule, as in Java).

Run: python3 tools/kernels/fit_tanh.py   (numpy)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from odd_rational import eval32, fit  # noqa: E402

P_DEG, Q_DEG, LIMIT = 6, 6, 9.0

p, q = fit(np.tanh, LIMIT, P_DEG, Q_DEG, points=40000, rounds=40)


def approx32(xs):
    return eval32(p, q, LIMIT, xs)


test = np.linspace(-12, 12, 2_400_001)
exact = np.tanh(test)
got = approx32(test).astype(np.float64)
print("P:", ", ".join(f"{c:.9e}f" for c in p))
print("Q:", ", ".join(f"{c:.9e}f" for c in q[1:]))
print(f"max abs error in float32: {np.max(np.abs(got - exact)):.3e}")
nz = np.abs(test) > 1e-3
print(f"max relative error in float32 (|x| > 1e-3): {np.max(np.abs(got - exact)[nz] / np.abs(exact[nz])):.3e}")
small = np.abs(test) <= 1e-3
print(f"max relative error in float32 (|x| <= 1e-3, x != 0): "
      f"{np.max(np.abs(got - exact)[small & (test != 0)] / np.abs(exact[small & (test != 0)])):.3e}")
