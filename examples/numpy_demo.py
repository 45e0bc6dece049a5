"""A small numerical job: solve a linear system and summarise random data.

numpy's package is large; a run of this program uses the core, linalg and random.
"""

import sys

import numpy as np

size = int(sys.argv[1]) if len(sys.argv) > 1 else 4
matrix = np.arange(1.0, size * size + 1).reshape(size, size) + np.eye(size) * size
solution = np.linalg.solve(matrix, np.ones(size))
print("solution:", np.round(solution, 6).tolist())
print("residual ok:", bool(np.allclose(matrix @ solution, np.ones(size))))
sample = np.random.default_rng(1234).normal(size=1000)
print("mean %.4f std %.4f" % (sample.mean(), sample.std()))
