#!/usr/bin/env python3
"""Derives the polynomial coefficients used by org.attentionsearch.math.VectorMath.

Each function is fitted by iteratively reweighted least squares (Lawson's algorithm), which
converges towards the minimax (equi-ripple) relative-error fit; references come from mpmath
at 40 digits. Run: python3 tools/fit_math_coefficients.py  (needs numpy and mpmath).
"""
import numpy as np
import mpmath as mp

mp.mp.dps = 40


def lawson(f, xs, degree, iterations=150):
    """Coefficients c[0..degree] of sum c[i]*x^i minimising the max relative error of f on xs."""
    a = np.array([[float(x) ** i for i in range(degree + 1)] for x in xs])
    y = np.array([float(f(x)) for x in xs])
    scale = 1 / np.abs(y)
    w = np.full(len(y), 1 / len(y))
    for _ in range(iterations):
        sw = np.sqrt(w) * scale
        c, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
        e = np.abs((a @ c - y) * scale)
        w *= e
        w /= w.sum()
    return c, float(np.max(np.abs((a @ c - y) * scale)))


def nodes(lo, hi, count=3000):
    return lo + (np.cos(np.linspace(0, np.pi, count)) + 1) / 2 * (hi - lo)


def show(name, c, err):
    print("%s (max rel err %.2g):" % (name, err))
    print("    " + ", ".join("%.9gf" % np.float32(v) for v in c))


# exp(r) = 1 + r + r^2 * E(r), |r| <= ln2/2
c, err = lawson(lambda r: (mp.exp(r) - 1 - r) / (r * r) if abs(r) > 1e-12 else mp.mpf(0.5),
                nodes(-np.log(2) / 2, np.log(2) / 2), 4)
show("E(r), exp = 1 + r + r^2 E(r)", c, err)

# Phi(-u) = exp(-u^2/2) * t * Q(t), t = 1/(1 + 0.3 u), for all u >= 0 (t in (0, 1]);
# fitted on u in [0, 14] (beyond, exp(-u^2/2) underflows float anyway)
c, err = lawson(lambda t: mp.ncdf(-(1 / t - 1) / 0.3) * mp.exp(((1 / t - 1) / 0.3) ** 2 / 2) / t,
                nodes(1 / (1 + 0.3 * 14), 1.0), 9)
show("Q(t), Phi(-u) = exp(-u^2/2) t Q(t), t = 1/(1+0.3u), u >= 0", c, err)
