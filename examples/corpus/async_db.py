"""asyncio and sqlite3: concurrent workers fill an in-memory table, then a report.

    python async_db.py N
"""

import asyncio
import sqlite3
import sys


async def worker(db, lock, number):
    await asyncio.sleep(0.01 * (number % 3))
    async with lock:
        db.execute("INSERT INTO jobs (worker, result) VALUES (?, ?)", (number, number ** 2))


async def main(count):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE jobs (worker INTEGER, result INTEGER)")
    lock = asyncio.Lock()
    await asyncio.gather(*(worker(db, lock, n) for n in range(count)))
    total, = db.execute("SELECT SUM(result) FROM jobs").fetchone()
    rows = db.execute("SELECT worker, result FROM jobs ORDER BY worker").fetchall()
    print("jobs", len(rows), "sum", total, "first", rows[:3])


asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
