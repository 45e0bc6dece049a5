"""multiprocessing: map over a fork pool, a spawn pool and a process-pool executor.

Nuitka's multiprocessing plugin wants all of multiprocessing in the build.
"""

import concurrent.futures
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    multiprocessing.freeze_support()
    for method in ("fork", "spawn"):
        with multiprocessing.get_context(method).Pool(2) as pool:
            print(method, pool.map(square, range(4)))
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        print("executor", list(executor.map(square, range(3))))
