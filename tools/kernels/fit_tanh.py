"""Fits the rational approximation of tanh used by Quill's float tanh-form GELU (dev.quill.autograd.FastMath).

    tanh(x) ~= x * P(x^2) / Q(x^2)   for |x| <= 9,   P and Q of degree 6 with Q(0) = 1
    tanh(x)  = sign(x)               beyond (tanh(9) = 1 - 3.0e-8, below half a float ulp of 1)

The same method as fit_erf.py: odd by construction, weighted least squares on x P - f Q = 0, reweighted by
1 / (x Q) from the previous round (Loeb's iteration) towards a near-minimax relative error. Prints the
coefficients in Java syntax and the error of the formula evaluated in float32 (Horner's rule, as in Java).

Run: python3 tools/kernels/fit_tanh.py   (numpy)
"""
import numpy as np

P_DEG, Q_DEG, LIMIT = 6, 6, 9.0

k = np.arange(1, 40001)
x = LIMIT * (1 - np.cos(np.pi * k / 40000)) / 2        # Chebyshev-distributed on (0, LIMIT]
f = np.tanh(x)
z = x * x

w = np.ones_like(x)
for _ in range(40):
    cols = [x * z ** i for i in range(P_DEG + 1)] + [-f * z ** j for j in range(1, Q_DEG + 1)]
    a = np.stack(cols, axis=1) * (w / f)[:, None]
    b = f * (w / f)
    coef, *_ = np.linalg.lstsq(a, b, rcond=None)
    p, q = coef[:P_DEG + 1], np.concatenate([[1.0], coef[P_DEG + 1:]])
    w = 1.0 / np.abs(np.polyval(q[::-1], z))


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
