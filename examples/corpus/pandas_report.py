"""A sales report with pandas: CSV in, group-by, pivot, dates, CSV or JSON out.

    python pandas_report.py csv|json
"""

import io
import sys

import pandas as pd

SALES = """\
date,region,product,units,price
2026-01-03,north,apples,12,0.5
2026-01-04,south,pears,7,0.8
2026-01-10,north,pears,3,0.8
2026-02-01,south,apples,20,0.45
2026-02-14,east,plums,9,1.2
2026-02-20,north,apples,15,0.5
2026-03-02,east,apples,4,0.55
2026-03-09,south,plums,11,1.1
"""


def main(fmt):
    sales = pd.read_csv(io.StringIO(SALES), parse_dates=["date"])
    sales["revenue"] = sales["units"] * sales["price"]
    sales["month"] = sales["date"].dt.to_period("M").astype(str)
    by_region = sales.groupby("region")["revenue"].agg(["sum", "mean", "count"]).round(2)
    pivot = sales.pivot_table(index="month", columns="product", values="units",
                              aggfunc="sum", fill_value=0)
    weekly = sales.set_index("date")["units"].resample("W").sum()
    print(by_region.to_string())
    print(pivot.to_string())
    print("busiest week:", weekly.idxmax().date(), int(weekly.max()))
    if fmt == "json":
        text = by_region.reset_index().to_json(orient="records")
        print(pd.read_json(io.StringIO(text)).shape, text)
    else:
        print(pivot.to_csv())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "csv")
