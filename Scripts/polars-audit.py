#!/usr/bin/env python3
"""The audit of Scripts/duckdb-audit.sql written with Polars (lazy frames, the streaming engine),
a second peer for the benchmark: it reads the same CSV exports, writes the same per-customer result
CSV and prints the same summary counts as one line of JSON as Scripts/duckdb-audit.py.

  polars-audit.py --customers F --agreements F --orders F [--subscriptions F] --as-of YYYY-MM-DD
                  --run-date YYYY-MM-DD --out RESULT.csv [--cutover YYYY-MM-DD]
  polars-audit.py --compare MCA_AUDIT_CUSTOMERS.csv RESULT.csv

With --subscriptions, seats come from that export alone (as `mca-audit audit --subscriptions`
counts them); without it, from the order lines. The second form (no Polars needed) is
Scripts/peer_compare.py's comparison with mca-audit's customers.csv, as in duckdb-audit.py.

What it computes, and what it simplifies, is what duckdb-audit.sql says in its opening comment,
with these differences:
  * Dates are read as ISO 8601 only (YYYY-MM-DD, optionally a time `T` or ` ` HH:MM[:SS[.fff]] and
    a zone Z or ±HH:MM; a date-time is turned into its UTC day), as mca-audit reads them with its
    default time zone; DuckDB's casts also accept a few more layouts (2018-9-3).
  * Input order comes from each file's row index (`with_row_index`), which Polars keeps, so "the
    first customers row wins" and "on a tie, the later one" do not rely on an engine's habits. The
    latest order line of a subscription is the later row on a full tie (the README's rule; the SQL
    leaves that tie to DuckDB).
  * Trimming removes white space of any kind, not only spaces.
Threads: Polars uses as many as the machine has cores unless POLARS_MAX_THREADS says fewer (set it
before the script starts). Needs the polars Python package (Scripts/bench.sh installs it into
bench-data/.venv)."""
import argparse
import datetime
import json

import peer_compare

# Values of the README's vocabularies, normalised (lower case, letters and digits only).
GERMANY = ["germany", "microsoftcloudgermany", "azuregermancloud", "de"]
CHINA = ["china", "21vianet", "azurechinacloud", "cn"]
US_GOVERNMENT = ["usgovernment", "usgov", "gcc", "gcchigh", "dod", "azureusgovernment"]
LICENSE = ["license", "licence", "licenses", "licences", "seat", "seats", "licensebased", "seatbased"]
DEAD_ORDER = ["cancelled", "canceled", "failed", "failure"]
DEAD_SUBSCRIPTION = ["expired", "disabled", "deleted", "none"]
AUTHORIZED_ROLES = ["adminagent", "salesagent"]
NEW_OR_SEAT_CHANGE = ["", "new", "addquantity", "removequantity"]

# ISO 8601: a date, optionally a time and a zone (the layouts `mca-audit generate` writes, among
# others). The time is only needed to find the UTC day of a date-time with a zone.
ISO_8601 = (r"^(?P<date>\d{4}-\d{2}-\d{2})"
            r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
            r"(?:Z|(?P<sign>[+-])(?P<zone_hour>\d{2}):?(?P<zone_minute>\d{2}))?)?$")


def run(a: argparse.Namespace) -> None:
    import polars as pl

    as_of, run_date, cutover = (datetime.date.fromisoformat(d) for d in (a.as_of, a.run_date, a.cutover))

    def text(column: str) -> pl.Expr:
        """A field, trimmed; "" when empty or absent (Polars reads an empty field as null)."""
        return pl.col(column).fill_null("").str.strip_chars()

    def blank(column: str) -> pl.Expr:
        return text(column) == ""

    def readable_quantity(column: str) -> pl.Expr:
        """Empty, or a non-negative integer: a quantity the audit accepts."""
        return blank(column) | text(column).str.contains(r"^[0-9]{1,18}$")

    def norm(column: str) -> pl.Expr:
        """Lower case, letters and digits only: how the README matches vocabulary values."""
        return text(column).str.to_lowercase().str.replace_all(r"[^a-z0-9]", "")

    def key(column: str) -> pl.Expr:
        """An id as it is joined on: trimmed, lower case (null when empty)."""
        k = text(column).str.to_lowercase()
        return pl.when(k != "").then(k)

    def with_day(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
        """The frame with `day`: the UTC day of `column`, an ISO 8601 date or date-time; null when it
        is not one (or an impossible one). The parts are matched once, into a column of their own
        (in one expression, each use of them would run the regular expression again)."""
        field = pl.col("day_parts").struct.field

        def number(name: str) -> pl.Expr:
            return field(name).cast(pl.Int32)

        day = field("date").str.to_date("%Y-%m-%d", strict=False)
        hour, minute, second = number("hour"), number("minute"), number("second").fill_null(0)
        zone = (pl.when(field("sign") == "-").then(-1).otherwise(1)
                * (number("zone_hour") * 3600 + number("zone_minute") * 60)).fill_null(0)
        # Seconds past the day's UTC midnight; a zone may move the day back or forward.
        utc_second = (hour * 3600 + minute * 60 + second - zone).fill_null(0)
        time_ok = hour.is_null() | ((hour < 24) & (minute < 60) & (second < 60)
                                    & number("zone_hour").fill_null(0).lt(24)
                                    & number("zone_minute").fill_null(0).lt(60))
        shifted = (day.cast(pl.Int32) + utc_second.floordiv(86_400)).cast(pl.Date)
        return (frame.with_columns(text(column).str.extract_groups(ISO_8601).alias("day_parts"))
                .with_columns(pl.when(time_ok).then(shifted).alias("day"))
                .drop("day_parts"))

    def scan(path: str) -> pl.LazyFrame:
        """A CSV export, every field a string, with its row number (input order) as `rn`."""
        return pl.scan_csv(path, infer_schema=False, quote_char='"').with_row_index("rn")

    # --- Customers: rows with an id and a name; the first row of an id wins.
    customer_rows = scan(a.customers)
    customers = (
        customer_rows
        .filter(~blank("CustomerId") & ~blank("CompanyName"))
        .select(
            key("CustomerId").alias("cid"),
            text("CustomerId").alias("customer_id"),
            text("CompanyName").alias("company"),
            pl.when(norm("Cloud").is_in(GERMANY)).then(pl.lit("germany"))
            .when(norm("Cloud").is_in(CHINA)).then(pl.lit("china"))
            .when(norm("Cloud").is_in(US_GOVERNMENT)).then(pl.lit("usgovernment"))
            .otherwise(pl.lit("public")).alias("cloud"),
            "rn",
        )
        .unique("cid", keep="first", maintain_order=True)
        .drop("rn")
        .collect(engine="streaming")
    )
    known = customers.lazy().select("cid")

    # --- Confirmation records: the customers rows' acceptance columns, then the agreements rows of
    # the policy's type (or none); a row whose contact and date fields are all empty is no record.
    contact = ["FirstName", "LastName", "Email", "PhoneNumber", "DateAgreed", "RecordedByRole"]
    agreement_rows = scan(a.agreements)
    raw = pl.concat([
        customer_rows.select(key("CustomerId").alias("cid"), *contact,
                             pl.lit(None, pl.String).alias("Type"), pl.lit(0).alias("source"), "rn"),
        agreement_rows.select(key("CustomerId").alias("cid"), *contact, "Type", pl.lit(1).alias("source"), "rn"),
    ])
    email, phone = text("Email"), text("PhoneNumber")
    records = (
        raw.join(known, on="cid", how="semi")
        .filter((blank("Type") | (norm("Type") == "microsoftcloudagreement"))
                & ~(blank("FirstName") & blank("LastName") & blank("Email") & blank("PhoneNumber")
                    & blank("DateAgreed")))
        .pipe(with_day, "DateAgreed")
        .select(
            "cid", "day", "source", "rn",
            pl.concat_str([
                pl.when(blank("FirstName")).then(pl.lit("MISSING_FIRST_NAME")),
                pl.when(blank("LastName")).then(pl.lit("MISSING_LAST_NAME")),
                pl.when(blank("Email")).then(pl.lit("MISSING_EMAIL")),
                pl.when(~blank("Email") & ((email.str.len_chars() > 254)
                                           | ~email.str.contains(r"^[^@\s]+@[^@\s]*\.[^@\s]*$")))
                .then(pl.lit("INVALID_EMAIL")),
                pl.when(~blank("PhoneNumber") & (~phone.str.contains(r"^\+?[0-9 .()\-]+$")
                                                 | ~phone.str.count_matches(r"[0-9]").is_between(6, 20)))
                .then(pl.lit("INVALID_PHONE")),
                pl.when(blank("DateAgreed")).then(pl.lit("MISSING_DATE")),
                pl.when(~blank("DateAgreed") & pl.col("day").is_null()).then(pl.lit("INVALID_DATE")),
                pl.when(pl.col("day") > run_date).then(pl.lit("FUTURE_DATE")),
                pl.when(~blank("RecordedByRole") & ~norm("RecordedByRole").is_in(AUTHORIZED_ROLES))
                .then(pl.lit("UNAUTHORIZED_ROLE")),
            ], separator=";", ignore_nulls=True).alias("defects"),
        )
    )
    valid = pl.col("defects") == ""
    confirmation = (
        records.group_by("cid")
        .agg(
            pl.col("day").filter(valid & (pl.col("day") <= as_of)).max().alias("confirmed_on"),
            (valid & (pl.col("day") > as_of)).any().alias("valid_after_as_of"),
            pl.col("day").filter(valid).min().alias("earliest_valid"),
            # The newest record by date (undated ones oldest; ties: the later in input order).
            pl.col("defects").max_by(pl.struct(pl.col("day").fill_null(datetime.date.min), "source", "rn"))
            .alias("newest_defects"),
        )
        .collect(engine="streaming")
    )

    # --- Order lines: rejected when the id or date is missing or unreadable, the quantity is not
    # a non-negative integer, or the customer is unknown. Joined with their customer's cloud and
    # earliest valid record (for the violations) in the same pass.
    order_rows = scan(a.orders)
    quantity = text("Quantity")
    lines = (
        order_rows
        .filter(~blank("OrderId") & ~blank("CreationDate") & readable_quantity("Quantity"))
        .pipe(with_day, "CreationDate")
        .select(
            key("CustomerId").alias("cid"),
            text("OrderId").alias("order_id"),
            "day",
            norm("Status").alias("status"),
            text("LineItemNumber").cast(pl.Int32, strict=False).fill_null(0).alias("line_no"),
            key("SubscriptionId").alias("sub"),
            pl.when(quantity == "").then(0).otherwise(quantity.cast(pl.Int64, strict=False)).alias("quantity"),
            norm("BillingType").alias("billing"),
            norm("TransactionType").alias("tx"),
            "rn",
        )
        .filter(pl.col("day").is_not_null())
        .join(customers.lazy().select("cid", "cloud")
              .join(confirmation.lazy().select("cid", "earliest_valid"), on="cid", how="left"),
              on="cid", how="inner")
    )
    live = ~pl.col("status").is_in(DEAD_ORDER)
    # Violations: live new / addQuantity / removeQuantity lines of in-scope customers from the
    # cutover to the as-of date, without a valid record dated on or before the line.
    violation = ((pl.col("cloud") == "public") & live & pl.col("day").is_between(cutover, as_of)
                 & pl.col("tx").is_in(NEW_OR_SEAT_CHANGE)
                 & (pl.col("earliest_valid").is_null() | (pl.col("earliest_valid") > pl.col("day"))))

    per_customer = lines.group_by("cid").agg(violation.sum().alias("violations"), pl.len().alias("accepted"))

    if a.subscriptions:
        # Seat-based subscriptions as of the as-of date, from the subscriptions export alone: the
        # customer's license rows whose status is active, pending or suspended (empty, or outside
        # the vocabulary, reads as active), created on or before the as-of date (or undated), with
        # a quantity above 0; seats = quantity. Of accepted rows with the same (customerId,
        # subscriptionId), the first counts.
        subscription_rows = scan(a.subscriptions)
        sub_quantity = text("Quantity")
        subscriptions = (
            subscription_rows
            .filter(~blank("CustomerId") & ~blank("SubscriptionId") & readable_quantity("Quantity"))
            .pipe(with_day, "CreationDate")
            .select(key("CustomerId").alias("cid"), key("SubscriptionId").alias("sub"),
                    norm("BillingType").alias("billing"), norm("Status").alias("status"),
                    blank("CreationDate").alias("undated"), "day",
                    sub_quantity.cast(pl.Int64, strict=False).alias("quantity"), "rn")
            .filter(pl.col("undated") | pl.col("day").is_not_null())
            # Before the join, which keeps no order; the customer is part of the key anyway.
            .unique(["cid", "sub"], keep="first", maintain_order=True)
            .join(known, on="cid", how="semi")
        )
        seats = (
            subscriptions
            .filter(pl.col("billing").is_in(LICENSE) & ~pl.col("status").is_in(DEAD_SUBSCRIPTION)
                    & (pl.col("day").is_null() | (pl.col("day") <= as_of)) & (pl.col("quantity") > 0))
            .group_by("cid")
            .agg(pl.len().alias("subscriptions"), pl.col("quantity").sum().alias("seats"))
        )
        per_customer, seats, accepted_subscriptions, subscription_row_count = pl.collect_all(
            [per_customer, seats, subscriptions.select(pl.len()), subscription_rows.select(pl.len())],
            engine="streaming")
        subscription_rejected = subscription_row_count.item() - accepted_subscriptions.item()
    else:
        # Seat-based subscriptions as of the as-of date, from the order lines: the latest live
        # license line of each subscription (by date, order id, line item number; on a tie the
        # later row; a line without a subscription id is its own group: `own` is its row number,
        # null for the others); a cancel sets 0 seats; a customer credit is no seat line;
        # subscriptions with 0 seats are not counted.
        seats = (
            lines
            .filter(pl.col("billing").is_in(LICENSE) & live & (pl.col("tx") != "customercredit")
                    & (pl.col("day") <= as_of))
            .group_by("cid", "sub", pl.when(pl.col("sub").is_null()).then("rn").alias("own"))
            .agg(pl.when(pl.col("tx").is_in(["cancel", "cancelimmediate"])).then(0).otherwise("quantity")
                 .max_by(pl.struct("day", "order_id", "line_no", "rn")).alias("seats"))
            .filter(pl.col("seats") > 0)
            .group_by("cid")
            .agg(pl.len().alias("subscriptions"), pl.col("seats").sum())
        )
        per_customer, seats = pl.collect_all([per_customer, seats], engine="streaming")
        subscription_rejected = 0

    # --- Outcome: status, reasons and impact per customer.
    public = pl.col("cloud") == "public"
    blocked = (pl.lit("BLOCKED") if as_of >= cutover else pl.lit("BLOCKED_AT_CUTOVER"))
    unconfirmed_or_invalid = pl.col("status").is_in(["UNCONFIRMED", "INVALID"])
    recorded = pl.col("valid_after_as_of").is_not_null()  # the customer has a record
    outcome = (
        customers.lazy()
        .join(confirmation.lazy(), on="cid", how="left")
        .join(seats.lazy(), on="cid", how="left")
        .join(per_customer.lazy(), on="cid", how="left")
        .with_columns(
            pl.when(~public).then(pl.lit("OUT_OF_SCOPE"))
            .when(pl.col("confirmed_on").is_not_null()).then(pl.lit("CONFIRMED"))
            .when(pl.col("valid_after_as_of")).then(pl.lit("UNCONFIRMED"))
            .when(recorded).then(pl.lit("INVALID"))
            .otherwise(pl.lit("UNCONFIRMED")).alias("status"),
            pl.when(~public).then(pl.lit("CLOUD_NOT_SUPPORTED"))
            .when(pl.col("confirmed_on").is_not_null()).then(pl.lit(""))
            .when(pl.col("valid_after_as_of")).then(pl.lit("ACCEPTED_AFTER_AS_OF"))
            .when(recorded).then(pl.col("newest_defects"))
            .otherwise(pl.lit("NO_CONFIRMATION")).alias("reasons"),
            pl.when(public).then(pl.col("confirmed_on")).alias("confirmed_on"),
            pl.col("subscriptions").fill_null(0),
            pl.col("seats").fill_null(0),
            pl.col("violations").fill_null(0),
        )
        .with_columns(
            pl.when(unconfirmed_or_invalid).then(blocked).otherwise(pl.lit("ALLOWED")).alias("new_orders"),
            pl.when(pl.col("subscriptions") == 0).then(pl.lit("NONE"))
            .when(unconfirmed_or_invalid).then(blocked)
            .otherwise(pl.lit("ALLOWED")).alias("seat_changes"),
        )
        .sort("cid")
        .select("customer_id", "company", "cloud", "status", "reasons", "confirmed_on", "new_orders",
                "seat_changes", "subscriptions", "seats", "violations")
        .collect(engine="streaming")
    )
    outcome.write_csv(a.out)

    # --- The summary mca-audit's summary.md opens with.
    seat_blocked = pl.col("seat_changes").str.starts_with("BLOCKED")
    summary = outcome.select(
        pl.len().alias("customers"),
        (pl.col("status") == "CONFIRMED").sum().alias("confirmed"),
        (pl.col("status") == "UNCONFIRMED").sum().alias("unconfirmed"),
        (pl.col("status") == "INVALID").sum().alias("invalid"),
        (pl.col("status") == "OUT_OF_SCOPE").sum().alias("out_of_scope"),
        pl.col("new_orders").str.starts_with("BLOCKED").sum().alias("blocked_new_orders"),
        seat_blocked.sum().alias("blocked_seat_changes"),
        pl.col("seats").filter(seat_blocked).sum().alias("seats_affected"),
        pl.col("violations").sum().alias("violations"),
    ).row(0, named=True)
    # Rejected rows: customers rows not kept, agreements rows of unknown customers, order lines
    # not accepted, subscriptions rows not accepted.
    customer_count, order_count, unknown_agreements = pl.collect_all([
        customer_rows.select(pl.len()),
        order_rows.select(pl.len()),
        agreement_rows.select(key("CustomerId").alias("cid")).join(known, on="cid", how="anti").select(pl.len()),
    ], engine="streaming")
    summary["rejected_rows"] = (customer_count.item() - customers.height + unknown_agreements.item()
                                + order_count.item() - per_customer["accepted"].sum() + subscription_rejected)
    print(json.dumps({k: int(v) for k, v in summary.items()}))


args = peer_compare.parse_arguments(__doc__)
if args.compare:
    peer_compare.compare(*args.compare, peer="Polars")
else:
    run(args)
