"""Fits the rational approximation of erf used by Quill's float GELU kernel (dev.quill.autograd.FastMath).

    erf(x) ~= x * P(x^2) / Q(x^2)   for |x| <= 4,   P of degree 6, Q of degree 5 with Q(0) = 1
    erf(x)  = sign(x)               beyond (erf(4) = 1 - 1.5e-8, below half a float ulp of 1)

An odd function by construction, so one formula covers both signs with no branch. The fit is weighted
least squares on the linearized problem x P - f Q = 0, reweighted by 1 / (x Q) from the previous round
(Loeb's iteration), which converges to a near-minimax relative error. Prints the coefficients in Java
syntax and the error of the formula evaluated in float32 (Horner's rule, as the Java loop does it).

Run: /usr/bin/python3 tools/kernels/fit_erf.py
"""
import numpy as np
from scipy.special import erf

P_DEG, Q_DEG, LIMIT = 6, 5, 4.0

# Chebyshev-distributed points on [0, LIMIT], dense, excluding 0 (x P / Q is exact there)
k = np.arange(1, 20001)
x = LIMIT * (1 - np.cos(np.pi * k / 20000)) / 2
f = erf(x)
z = x * x

w = np.ones_like(x)
for _ in range(30):
    # unknowns: p0..p6, q1..q5; equation x * P(z) - f * (1 + q1 z + ...) = 0, weighted, relative to f
    cols = [x * z ** i for i in range(P_DEG + 1)] + [-f * z ** j for j in range(1, Q_DEG + 1)]
    a = np.stack(cols, axis=1) * (w / f)[:, None]
    b = f * (w / f)
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    p, q = coef[:P_DEG + 1], np.concatenate([[1.0], coef[P_DEG + 1:]])
    qz = np.polyval(q[::-1], z)
    w = 1.0 / np.abs(qz)


def approx32(xs):
    xs = np.clip(xs.astype(np.float32), np.float32(-LIMIT), np.float32(LIMIT))
    zs = xs * xs
    pp = np.float32(p[-1])
    for c in p[-2::-1]:
        pp = pp * zs + np.float32(c)
    qq = np.float32(q[-1])
    for c in q[-2::-1]:
        qq = qq * zs + np.float32(c)
    return xs * pp / qq


test = np.linspace(-6, 6, 2_000_001)
exact = erf(test)
got = approx32(test).astype(np.float64)
print("max abs error (float32 evaluation, [-6, 6]):", np.max(np.abs(got - exact)))
small = np.abs(test) > 1e-3
print("max rel error (|x| > 1e-3):", np.max(np.abs(got[small] - exact[small]) / np.abs(exact[small])))
print("P:", ", ".join(f"{c:.9e}f" for c in p))
print("Q:", ", ".join(f"{c:.9e}f" for c in q))
