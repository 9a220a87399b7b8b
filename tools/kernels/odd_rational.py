"""The fit shared by fit_erf.py and fit_tanh.py: an odd rational approximation f(x) ~= x P(x^2) / Q(x^2) on
[0, limit], Q(0) = 1, for the float kernels of dev.quill.autograd.FastMath.

The fit is weighted least squares on the linearized problem x P - f Q = 0, relative to f, reweighted by
1 / Q from the previous round (Loeb's iteration), which converges to a near-minimax relative error.
eval32 evaluates the result as the Java loops do: float32, Horner's rule, x clamped to [-limit, limit].
"""
import numpy as np


def fit(func, limit, p_deg, q_deg, points, rounds):
    """Coefficients (p, q) with q[0] = 1, lowest degree first, fitted at Chebyshev-distributed points."""
    k = np.arange(1, points + 1)
    x = limit * (1 - np.cos(np.pi * k / points)) / 2          # (0, limit], excluding 0 (x P / Q is exact there)
    f = func(x)
    z = x * x
    w = np.ones_like(x)
    for _ in range(rounds):
        # unknowns p0..p_deg, q1..q_deg; equation x P(z) - f (1 + q1 z + ...) = 0, weighted, relative to f
        cols = [x * z ** i for i in range(p_deg + 1)] + [-f * z ** j for j in range(1, q_deg + 1)]
        a = np.stack(cols, axis=1) * (w / f)[:, None]
        coef, *_ = np.linalg.lstsq(a, f * (w / f), rcond=None)
        p, q = coef[:p_deg + 1], np.concatenate([[1.0], coef[p_deg + 1:]])
        w = 1.0 / np.abs(np.polyval(q[::-1], z))
    return p, q


def eval32(p, q, limit, xs):
    """x P(x^2) / Q(x^2) in float32 arithmetic, x clamped to [-limit, limit]."""
    xs = np.clip(xs.astype(np.float32), np.float32(-limit), np.float32(limit))
    zs = xs * xs
    pp = np.float32(p[-1])
    for c in p[-2::-1]:
        pp = pp * zs + np.float32(c)
    qq = np.float32(q[-1])
    for c in q[-2::-1]:
        qq = qq * zs + np.float32(c)
    return xs * pp / qq
