"""What the peer audits (Scripts/duckdb-audit.py, Scripts/polars-audit.py) share: their command
line, and the comparison of a peer's per-customer result CSV with mca-audit's customers.csv report.

Imported by both scripts (Python puts a script's own folder on its module path); needs nothing
outside the standard library, so `--compare` runs with any python3."""
import argparse
import csv
import re


def parse_arguments(description: str) -> argparse.Namespace:
    """The peers' shared options:

      --customers F --agreements F --orders F [--subscriptions F] --as-of YYYY-MM-DD
      --run-date YYYY-MM-DD --out RESULT.csv [--cutover YYYY-MM-DD]
      --compare MCA_AUDIT_CUSTOMERS.csv RESULT.csv"""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compare", nargs=2, metavar=("MCA_CSV", "RESULT_CSV"))
    for name in ("customers", "agreements", "orders", "subscriptions", "out", "as-of", "run-date"):
        ap.add_argument("--" + name)
    ap.add_argument("--cutover", default="2018-11-07")
    args = ap.parse_args()
    if not args.compare:
        missing = [n for n in ("customers", "agreements", "orders", "out", "as_of", "run_date") if not getattr(args, n)]
        if missing:
            ap.error("missing: " + ", ".join("--" + m.replace("_", "-") for m in missing))
    return args


def compare(mca_path: str, peer_path: str, peer: str) -> None:
    """Prints "N of M customers agree" (customer by customer: status, reasons, confirmedOn,
    newOrders, seatChanges, subscriptions, seats), then up to five differences and up to five
    customers only mca-audit has. `peer` names the other side in those lines."""
    columns = [("status", "status"), ("reasons", "reasons"), ("confirmedOn", "confirmed_on"),
               ("newOrders", "new_orders"), ("seatChanges", "seat_changes"),
               ("seatBasedSubscriptions", "subscriptions"), ("seats", "seats")]
    with open(mca_path, newline="", encoding="utf-8") as f:
        mca = {r["customerId"].lower(): r for r in csv.DictReader(f)}
    same = total = 0
    shown = []
    with open(peer_path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            total += 1
            m = mca.pop(r["customer_id"].lower(), None)
            differ = ["missing in mca-audit"] if m is None else [
                f"{a}: {m[a]!r} vs {r[b]!r}" for a, b in columns
                if re.sub(r"[\s|,]+", ";", m[a]) != r[b]]
            if differ:
                if len(shown) < 5:
                    shown.append(f"{r['customer_id']}: " + "; ".join(differ))
            else:
                same += 1
    total += len(mca)
    print(f"{same} of {total} customers agree")
    for line in shown + [f"{k}: missing in {peer}" for k in list(mca)[:5]]:
        print("  " + line)
