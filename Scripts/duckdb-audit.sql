-- The mca-audit evaluation written as DuckDB SQL over the same CSV exports, as the benchmark's
-- reference point (Scripts/bench.sh runs it through Scripts/duckdb-audit.py, which replaces the
-- {{…}} placeholders with SQL literals and keeps one of the two `--@seats:` sections below).
--
-- Parameters: {{customers}}, {{agreements}}, {{orders}}, {{subscriptions}} (CSV paths; the last
-- only with a subscriptions export), {{as_of}}, {{run_date}}, {{cutover}} (DATE literals), {{out}}
-- (the per-customer result CSV).
--
-- It computes what mca-audit computes for each customer under the default policy: the status
-- (CONFIRMED / UNCONFIRMED / INVALID / OUT_OF_SCOPE) and its reasons, confirmedOn, newOrders and
-- seatChanges impact, seat-based subscriptions and seats as of the as-of date (from the
-- subscriptions export when there is one, else from the order lines, as the README's "Impact"
-- says), and order violations; then the counts (customers by status, blocked, seats affected,
-- violations, rejected rows). Simplified, knowingly:
--   * Columns are found by the generator's header names (CustomerId, FirstName, …), not by the
--     alias table of docs/inputs.md; only the CSV format; the policy is the built-in one (no template
--     or re-acceptance rules: TEMPLATE_NOT_ACCEPTED and STALE are never raised).
--   * Dates are read with DuckDB's own casts (session zone UTC), which also accept a few layouts
--     mca-audit rejects (such as 2018-9-3); mca-audit reads ISO 8601 only.
--   * "The first customers row wins" and "ties between records: the later one wins" rely on
--     DuckDB's insertion order (row_number() OVER ()); DuckDB does not promise it.
--   * The e-mail and phone checks are regular expressions close to, not identical with, mca-audit's.
--   * No data-quality listing (file, line, message): rejected rows are only counted; no reports
--     other than the one CSV.
--   * A subscriptions row is accepted when it has both ids, a valid quantity, a readable or empty
--     creation date and a known customer; of accepted rows with the same (customerId,
--     subscriptionId), the first counts.

SET TimeZone = 'UTC';

CREATE OR REPLACE MACRO norm(s) AS regexp_replace(lower(coalesce(trim(s), '')), '[^a-z0-9]', '', 'g');
CREATE OR REPLACE MACRO blank(s) AS coalesce(trim(s), '') = '';
CREATE OR REPLACE MACRO to_day(s) AS TRY_CAST(trim(s) AS TIMESTAMPTZ)::DATE;
-- The billingType spellings of license (README, "Inputs"), normalised.
CREATE OR REPLACE MACRO is_license(b) AS
    b IN ('license', 'licence', 'licenses', 'licences', 'seat', 'seats', 'licensebased', 'seatbased');

-- Customers: rows with an id and a name; the first row of an id wins.
CREATE TEMP TABLE customer_rows AS
SELECT *, row_number() OVER () AS rn
FROM read_csv({{customers}}, header = true, all_varchar = true, quote = '"', escape = '"');

CREATE TEMP TABLE customers AS
SELECT lower(trim(CustomerId)) AS cid,
       trim(CustomerId) AS customer_id,
       trim(CompanyName) AS company,
       CASE WHEN norm(Cloud) IN ('germany', 'microsoftcloudgermany', 'azuregermancloud', 'de') THEN 'germany'
            WHEN norm(Cloud) IN ('china', '21vianet', 'azurechinacloud', 'cn') THEN 'china'
            WHEN norm(Cloud) IN ('usgovernment', 'usgov', 'gcc', 'gcchigh', 'dod', 'azureusgovernment') THEN 'usgovernment'
            ELSE 'public' END AS cloud,
       rn
FROM customer_rows
WHERE NOT blank(CustomerId) AND NOT blank(CompanyName)
QUALIFY row_number() OVER (PARTITION BY lower(trim(CustomerId)) ORDER BY rn) = 1;

-- Confirmation records: the customers rows' acceptance columns, then the agreements rows of the
-- policy's type (or none); a row whose contact and date fields are all empty is no record.
CREATE TEMP TABLE agreement_rows AS
SELECT *, row_number() OVER () AS rn
FROM read_csv({{agreements}}, header = true, all_varchar = true, quote = '"', escape = '"');

CREATE TEMP TABLE records AS
WITH raw AS (
    SELECT lower(trim(CustomerId)) AS cid, FirstName, LastName, Email, PhoneNumber, DateAgreed, RecordedByRole,
           NULL::VARCHAR AS Type, 0 AS source, rn
    FROM customer_rows
    UNION ALL
    SELECT lower(trim(CustomerId)), FirstName, LastName, Email, PhoneNumber, DateAgreed, RecordedByRole,
           Type, 1, rn
    FROM agreement_rows
), kept AS (
    SELECT raw.*, to_day(DateAgreed) AS day
    FROM raw SEMI JOIN customers USING (cid)
    WHERE (blank(Type) OR norm(Type) = 'microsoftcloudagreement')
      AND NOT (blank(FirstName) AND blank(LastName) AND blank(Email) AND blank(PhoneNumber) AND blank(DateAgreed))
)
SELECT cid, day, source, rn,
       -- concat_ws skips NULLs: '' when the record has no defect.
       concat_ws(';',
           CASE WHEN blank(FirstName) THEN 'MISSING_FIRST_NAME' END,
           CASE WHEN blank(LastName) THEN 'MISSING_LAST_NAME' END,
           CASE WHEN blank(Email) THEN 'MISSING_EMAIL' END,
           CASE WHEN NOT blank(Email) AND (length(trim(Email)) > 254
                     OR NOT regexp_full_match(trim(Email), '[^@\s]+@[^@\s]*\.[^@\s]*')) THEN 'INVALID_EMAIL' END,
           CASE WHEN NOT blank(PhoneNumber) AND (NOT regexp_full_match(trim(PhoneNumber), '\+?[0-9 .()\-]+')
                     OR length(regexp_replace(PhoneNumber, '[^0-9]', '', 'g')) NOT BETWEEN 6 AND 20) THEN 'INVALID_PHONE' END,
           CASE WHEN blank(DateAgreed) THEN 'MISSING_DATE' END,
           CASE WHEN NOT blank(DateAgreed) AND day IS NULL THEN 'INVALID_DATE' END,
           CASE WHEN day > {{run_date}} THEN 'FUTURE_DATE' END,
           CASE WHEN NOT blank(RecordedByRole) AND norm(RecordedByRole) NOT IN ('adminagent', 'salesagent')
                THEN 'UNAUTHORIZED_ROLE' END
       ) AS defects
FROM kept;

CREATE TEMP TABLE confirmation AS
SELECT cid,
       max(day) FILTER (WHERE defects = '' AND day <= {{as_of}}) AS confirmed_on,
       bool_or(defects = '' AND day > {{as_of}}) AS valid_after_as_of,
       min(day) FILTER (WHERE defects = '') AS earliest_valid,
       -- The newest record by date (undated ones oldest; ties: the later in input order).
       arg_max(defects, (coalesce(day, DATE '0001-01-01'), source, rn)) AS newest_defects
FROM records
GROUP BY cid;

-- Order lines: rejected when the id or date is missing or unreadable, the quantity is not a
-- non-negative integer, or the customer is unknown.
CREATE TEMP TABLE order_rows AS
SELECT trim(OrderId) AS order_id, lower(trim(CustomerId)) AS cid, CreationDate,
       to_day(CreationDate) AS day, norm(Status) AS status,
       coalesce(TRY_CAST(trim(LineItemNumber) AS INTEGER), 0) AS line_no,
       nullif(lower(trim(SubscriptionId)), '') AS sub, trim(OfferId) AS offer_id, trim(Quantity) AS quantity_text,
       norm(BillingType) AS billing, norm(TransactionType) AS tx,
       row_number() OVER () AS rn
FROM read_csv({{orders}}, header = true, all_varchar = true, quote = '"', escape = '"');

CREATE TEMP TABLE lines AS
SELECT o.*, CASE WHEN blank(quantity_text) THEN 0 ELSE TRY_CAST(quantity_text AS BIGINT) END AS quantity
FROM order_rows o SEMI JOIN customers USING (cid)
WHERE order_id <> '' AND NOT blank(CreationDate) AND day IS NOT NULL
  AND (blank(quantity_text) OR regexp_full_match(quantity_text, '[0-9]{1,18}'));

--@seats: orderLines
-- Seat-based subscriptions as of the as-of date, from the order lines (no subscriptions export):
-- the latest live license line of each subscription (a line without one is its own group); a
-- cancel sets 0 seats; a customer credit is no seat line.
CREATE TEMP TABLE seats AS
WITH kept AS (
    SELECT *, coalesce(sub, '#' || rn) AS grp
    FROM lines
    WHERE is_license(billing)
      AND status NOT IN ('cancelled', 'canceled', 'failed', 'failure')
      AND tx <> 'customercredit'
      AND day <= {{as_of}}
), latest AS (
    SELECT cid, CASE WHEN tx IN ('cancel', 'cancelimmediate') THEN 0 ELSE quantity END AS seats
    FROM kept
    QUALIFY row_number() OVER (PARTITION BY cid, grp ORDER BY day DESC, order_id DESC, line_no DESC) = 1
)
SELECT cid, count(*) AS subscriptions, sum(seats) AS seats
FROM latest WHERE seats > 0
GROUP BY cid;

CREATE TEMP TABLE subscription_rejections AS SELECT 0 AS rejected;
--@seats: subscriptions
-- Seat-based subscriptions as of the as-of date, from the subscriptions export alone: the
-- customer's license rows whose status is active, pending or suspended (empty reads as active, and
-- so does a status outside the vocabulary), created on or before the as-of date (or undated),
-- with a quantity above 0; seats = quantity. Order lines play no part in seats.
CREATE TEMP TABLE subscription_rows AS
SELECT *, row_number() OVER () AS rn
FROM read_csv({{subscriptions}}, header = true, all_varchar = true, quote = '"', escape = '"');

CREATE TEMP TABLE subscriptions AS
SELECT lower(trim(CustomerId)) AS cid, lower(trim(SubscriptionId)) AS sub, norm(BillingType) AS billing,
       norm(Status) AS status, to_day(CreationDate) AS day, TRY_CAST(trim(Quantity) AS BIGINT) AS quantity, rn
FROM subscription_rows SEMI JOIN customers ON lower(trim(subscription_rows.CustomerId)) = customers.cid
WHERE NOT blank(CustomerId) AND NOT blank(SubscriptionId)
  AND (blank(Quantity) OR regexp_full_match(trim(Quantity), '[0-9]{1,18}'))
  AND (blank(CreationDate) OR to_day(CreationDate) IS NOT NULL)
QUALIFY row_number() OVER (PARTITION BY lower(trim(CustomerId)), lower(trim(SubscriptionId)) ORDER BY rn) = 1;

CREATE TEMP TABLE seats AS
SELECT cid, count(*) AS subscriptions, sum(quantity) AS seats
FROM subscriptions
WHERE is_license(billing)
  AND status NOT IN ('expired', 'disabled', 'deleted', 'none')
  AND (day IS NULL OR day <= {{as_of}})
  AND quantity > 0
GROUP BY cid;

CREATE TEMP TABLE subscription_rejections AS
SELECT (SELECT count(*) FROM subscription_rows) - (SELECT count(*) FROM subscriptions) AS rejected;
--@end

-- Violations: live new / addQuantity / removeQuantity lines of in-scope customers from the
-- cutover to the as-of date, without a valid record dated on or before the line (the README's
-- transaction vocabulary: an empty type is new).
CREATE TEMP TABLE violations AS
SELECT l.cid, count(*) AS violations
FROM lines l
JOIN customers c USING (cid)
LEFT JOIN confirmation f USING (cid)
WHERE c.cloud = 'public'
  AND l.status NOT IN ('cancelled', 'canceled', 'failed', 'failure')
  AND l.day BETWEEN {{cutover}} AND {{as_of}}
  AND l.tx IN ('', 'new', 'addquantity', 'removequantity')
  AND (f.earliest_valid IS NULL OR f.earliest_valid > l.day)
GROUP BY l.cid;

CREATE TEMP TABLE outcome AS
WITH s AS (
    SELECT c.customer_id, c.company, c.cloud, c.cid,
           CASE WHEN c.cloud <> 'public' THEN 'OUT_OF_SCOPE'
                WHEN f.confirmed_on IS NOT NULL THEN 'CONFIRMED'
                WHEN f.valid_after_as_of THEN 'UNCONFIRMED'
                WHEN f.cid IS NOT NULL THEN 'INVALID'
                ELSE 'UNCONFIRMED' END AS status,
           CASE WHEN c.cloud <> 'public' THEN 'CLOUD_NOT_SUPPORTED'
                WHEN f.confirmed_on IS NOT NULL THEN ''
                WHEN f.valid_after_as_of THEN 'ACCEPTED_AFTER_AS_OF'
                WHEN f.cid IS NOT NULL THEN f.newest_defects
                ELSE 'NO_CONFIRMATION' END AS reasons,
           CASE WHEN c.cloud = 'public' THEN f.confirmed_on END AS confirmed_on,
           coalesce(s.subscriptions, 0) AS subscriptions, coalesce(s.seats, 0) AS seats,
           coalesce(v.violations, 0) AS violations
    FROM customers c
    LEFT JOIN confirmation f USING (cid)
    LEFT JOIN seats s USING (cid)
    LEFT JOIN violations v USING (cid)
)
SELECT *,
       CASE WHEN status IN ('UNCONFIRMED', 'INVALID')
            THEN CASE WHEN {{as_of}} >= {{cutover}} THEN 'BLOCKED' ELSE 'BLOCKED_AT_CUTOVER' END
            ELSE 'ALLOWED' END AS new_orders,
       CASE WHEN subscriptions = 0 THEN 'NONE'
            WHEN status IN ('UNCONFIRMED', 'INVALID')
            THEN CASE WHEN {{as_of}} >= {{cutover}} THEN 'BLOCKED' ELSE 'BLOCKED_AT_CUTOVER' END
            ELSE 'ALLOWED' END AS seat_changes
FROM s;

COPY (
    SELECT customer_id, company, cloud, status, reasons, confirmed_on, new_orders, seat_changes,
           subscriptions, seats, violations
    FROM outcome ORDER BY cid
) TO {{out}} (HEADER, DELIMITER ',');

-- The summary mca-audit's summary.md opens with.
SELECT
    (SELECT count(*) FROM outcome) AS customers,
    (SELECT count(*) FROM outcome WHERE status = 'CONFIRMED') AS confirmed,
    (SELECT count(*) FROM outcome WHERE status = 'UNCONFIRMED') AS unconfirmed,
    (SELECT count(*) FROM outcome WHERE status = 'INVALID') AS invalid,
    (SELECT count(*) FROM outcome WHERE status = 'OUT_OF_SCOPE') AS out_of_scope,
    (SELECT count(*) FROM outcome WHERE new_orders LIKE 'BLOCKED%') AS blocked_new_orders,
    (SELECT count(*) FROM outcome WHERE seat_changes LIKE 'BLOCKED%') AS blocked_seat_changes,
    (SELECT coalesce(sum(seats), 0) FROM outcome WHERE seat_changes LIKE 'BLOCKED%') AS seats_affected,
    (SELECT coalesce(sum(violations), 0) FROM outcome) AS violations,
    (SELECT count(*) FROM customer_rows) - (SELECT count(*) FROM customers)
        + (SELECT count(*) FROM (SELECT lower(trim(CustomerId)) AS cid FROM agreement_rows) ANTI JOIN customers USING (cid))
        + (SELECT count(*) FROM order_rows) - (SELECT count(*) FROM lines)
        + (SELECT rejected FROM subscription_rejections) AS rejected_rows;
