"""SciPy: minimise the Rosenbrock function, integrate, and test two samples.

    python scipy_solve.py BFGS|Nelder-Mead
"""

import sys

import numpy as np
from scipy import integrate, optimize, stats


def rosenbrock(x):
    return sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


method = sys.argv[1] if len(sys.argv) > 1 else "BFGS"
result = optimize.minimize(rosenbrock, np.array([1.3, 0.7, 0.8]), method=method,
                           options={"maxiter": 5000})
print(method, "minimum at", np.round(result.x, 3).tolist(), "success", bool(result.success))
value, error = integrate.quad(lambda t: np.exp(-t * t), -np.inf, np.inf)
print("integral %.6f (sqrt(pi) %.6f)" % (value, np.sqrt(np.pi)))
rng = np.random.default_rng(7)
a, b = rng.normal(0, 1, 200), rng.normal(0.3, 1, 200)
t = stats.ttest_ind(a, b)
print("t %.3f p %.4f norm.cdf(1.96) %.4f" % (t.statistic, t.pvalue, stats.norm.cdf(1.96)))
