#!/usr/bin/env python3
"""Runs Scripts/duckdb-audit.sql (the audit as DuckDB SQL, the benchmark's reference point) over
the CSV exports and prints the summary counts as one line of JSON.

  duckdb-audit.py --customers F --agreements F --orders F [--subscriptions F] --as-of YYYY-MM-DD
                  --run-date YYYY-MM-DD --out RESULT.csv [--cutover YYYY-MM-DD]
  duckdb-audit.py --compare MCA_AUDIT_CUSTOMERS.csv RESULT.csv

With --subscriptions, seats come from that export alone (as `mca-audit audit --subscriptions`
counts them); without it, from the order lines.

The second form (no DuckDB needed) compares mca-audit's customers.csv report with the SQL's
result customer by customer (status, reasons, confirmedOn, newOrders, seatChanges,
subscriptions, seats) and prints how many agree, and the first differences (Scripts/peer_compare.py,
shared with Scripts/polars-audit.py, whose result it compares as well).
The first needs the duckdb Python package (Scripts/bench.sh installs it into bench-data/.venv)."""
import argparse
import datetime
import json
import pathlib
import re
import sys

import peer_compare


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def day(text: str) -> str:
    datetime.date.fromisoformat(text)  # rejects anything but YYYY-MM-DD
    return f"DATE '{text}'"


def seats_section(sql: str, source: str) -> str:
    """The SQL with only the `--@seats: SOURCE` section of the seat computation kept."""
    kept, keep = [], True
    for line in sql.splitlines(keepends=True):
        marker = re.fullmatch(r"--@seats: (\w+)\s*", line)
        if marker:
            keep = marker.group(1) == source
        elif re.fullmatch(r"--@end\s*", line):
            keep = True
        elif keep:
            kept.append(line)
    return "".join(kept)


def run(a: argparse.Namespace) -> None:
    import duckdb

    sql = pathlib.Path(__file__).with_name("duckdb-audit.sql").read_text()
    sql = seats_section(sql, "subscriptions" if a.subscriptions else "orderLines")
    values = {
        "customers": literal(a.customers), "agreements": literal(a.agreements), "orders": literal(a.orders),
        "out": literal(a.out), "as_of": day(a.as_of), "run_date": day(a.run_date), "cutover": day(a.cutover),
    }
    # Without an export the placeholder is left only in a comment (its section is gone).
    values["subscriptions"] = literal(a.subscriptions) if a.subscriptions else "NULL"
    for key, value in values.items():
        sql = sql.replace("{{" + key + "}}", value)
    if re.search(r"\{\{[a-z_]+\}\}", sql):
        sys.exit("duckdb-audit.py: unreplaced placeholder in duckdb-audit.sql")
    cursor = duckdb.connect().execute(sql)  # runs every statement; the result is the last one's (the summary)
    names = [d[0] for d in cursor.description]
    print(json.dumps(dict(zip(names, cursor.fetchone()))))


args = peer_compare.parse_arguments(__doc__)
if args.compare:
    peer_compare.compare(*args.compare, peer="DuckDB")
else:
    run(args)
