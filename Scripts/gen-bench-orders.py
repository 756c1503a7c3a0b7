#!/usr/bin/env python3
"""Writes a synthetic orders export of about N MB (CSV, XML or JSON) to stdout, for the reader
benchmark. Deterministic. Usage: gen-bench-orders.py --mb 100 --format csv > orders.csv"""
import argparse, sys

ap = argparse.ArgumentParser()
ap.add_argument("--mb", type=int, default=100)
ap.add_argument("--format", choices=["csv", "xml", "json"], default="csv")
a = ap.parse_args()
target = a.mb * 1_000_000
out = sys.stdout
offers = [("CFQ7TTC0LF8Q", "Office 365 E3"), ("CFQ7TTC0LH18", "Dynamics 365 Sales, Enterprise"),
          ("DZH318Z0BPS6", "Azure plan"), ("CFQ7TTC0LCHC", "Microsoft 365 Business Premium")]
written = 0
i = 0
if a.format == "csv":
    head = "OrderId,CustomerId,CreationDate,Status,LineItemNumber,OfferId,OfferName,SubscriptionId,Quantity,BillingType,TransactionType\n"
    out.write(head); written += len(head)
elif a.format == "xml":
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<Orders>\n'
    out.write(head); written += len(head)
else:
    out.write('{"totalCount": 0, "items": [\n'); written += 30
buf = []
while written < target:
    c = i % 100_000
    cust = f"{c:08X}-1111-4E5F-8A9B-{c:012X}"
    sub = f"5D1A2C3B-{i % 7:04d}-4C00-9000-{i:012X}"
    oid, oname = offers[i % 4]
    date = f"2018-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:{i % 60:02d}:00Z"
    billing = "usage" if i % 4 == 2 else "license"
    tx = ("new", "renew", "addQuantity", "cancel")[i % 4]
    if a.format == "csv":
        name = f'"{oname}"' if "," in oname else oname
        line = f"o-{i},{cust},{date},completed,{i % 3},{oid},{name},{sub},{i % 50},{billing},{tx}\n"
    elif a.format == "xml":
        line = (f'  <Order id="o-{i}" customerId="{cust}" creationDate="{date}" status="completed">\n'
                f'    <LineItem lineItemNumber="{i % 3}" offerId="{oid}" offerName="{oname}" subscriptionId="{sub}" '
                f'quantity="{i % 50}" billingType="{billing}" transactionType="{tx}"/>\n  </Order>\n')
    else:
        line = ("" if i == 0 else ",\n") + (f'{{"id":"o-{i}","referenceCustomerId":"{cust}","creationDate":"{date}",'
                f'"status":"completed","lineItems":[{{"lineItemNumber":{i % 3},"offerId":"{oid}","friendlyName":"{oname}",'
                f'"subscriptionId":"{sub}","quantity":{i % 50},"billingType":"{billing}","transactionType":"{tx}"}}]}}')
    buf.append(line)
    written += len(line)
    i += 1
    if len(buf) >= 10_000:
        out.write("".join(buf)); buf.clear()
out.write("".join(buf))
out.write("</Orders>\n" if a.format == "xml" else "\n]}\n" if a.format == "json" else "")
