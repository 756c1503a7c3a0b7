#!/usr/bin/env python3
"""Writes Fixtures/xml/*.xml and Fixtures/json/*.json from the CSV fixtures, in the shapes of
docs/inputs.md (XML with attributes and nested contacts; Partner Center REST JSON), so tests can check
that the three formats give the same audit. Run from the repository root after editing the CSVs."""
import csv, json, os
from xml.sax.saxutils import quoteattr, escape

def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        for row in r:
            yield dict(zip(header, row))

def attrs(pairs):
    return "".join(f" {k}={quoteattr(v)}" for k, v in pairs if v)

os.makedirs("Fixtures/xml", exist_ok=True)
os.makedirs("Fixtures/json", exist_ok=True)

# Customers
customers = list(rows("Fixtures/customers.csv"))
x = ['<?xml version="1.0" encoding="UTF-8"?>', "<Customers>"]
j = []
for c in customers:
    acc = [("firstName", c["Primary Contact First Name"]), ("lastName", c["Primary Contact Last Name"]),
           ("email", c["Primary Contact Email"]), ("phoneNumber", c["Primary Contact Phone Number"]),
           ("dateAgreed", c["Acceptance Date"])]
    x.append(f'  <Customer{attrs([("customerId", c["Customer ID"]), ("cloud", c["Cloud"])])}>')
    x.append(f'    <CompanyName>{escape(c["Company Name"])}</CompanyName>')
    x.append(f'    <Domain>{escape(c["Primary Domain Name"])}</Domain>')
    x.append('    <BillingProfile><FirstName>Billing</FirstName><Email>billing@example.com</Email></BillingProfile>')
    if any(v for _, v in acc):
        x.append(f"    <Acceptance{attrs(acc)}/>")
    x.append("  </Customer>")
    item = {"id": c["Customer ID"], "companyProfile": {"tenantId": c["Customer ID"], "domain": c["Primary Domain Name"],
            "companyName": c["Company Name"]}, "billingProfile": {"firstName": "Billing", "email": "billing@example.com"}}
    if c["Cloud"]:
        item["cloud"] = c["Cloud"]
    if any(v for _, v in acc):
        item["acceptance"] = {k: v for k, v in acc if v}
    j.append(item)
x.append("</Customers>")
open("Fixtures/xml/customers.xml", "w", encoding="utf-8").write("\n".join(x) + "\n")
json.dump({"totalCount": len(j), "items": j, "attributes": {"objectType": "Collection"}},
          open("Fixtures/json/customers.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)

# Agreements
agreements = list(rows("Fixtures/agreements.csv"))
x = ['<?xml version="1.0" encoding="UTF-8"?>', "<Agreements>"]
j = []
for a in agreements:
    x.append(f'  <Agreement{attrs([("customerId", a["CustomerTenantId"]), ("type", a["Type"]), ("templateId", a["TemplateId"]), ("recordedByRole", a["RecordedByRole"])])}>')
    contact = [("FirstName", a["FirstName"]), ("LastName", a["LastName"]), ("Email", a["Email"]), ("PhoneNumber", a["PhoneNumber"])]
    x.append("    <PrimaryContact>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in contact if v) + "</PrimaryContact>")
    if a["DateAgreed"]:
        x.append(f'    <DateAgreed>{escape(a["DateAgreed"])}</DateAgreed>')
    x.append("  </Agreement>")
    item = {"customerId": a["CustomerTenantId"],
            "primaryContact": {k[0].lower() + k[1:]: v for k, v in contact if v}}
    for k, key in [("DateAgreed", "dateAgreed"), ("Type", "type"), ("TemplateId", "templateId"), ("RecordedByRole", "recordedByRole")]:
        if a[k]:
            item[key] = a[k]
    j.append(item)
x.append("</Agreements>")
open("Fixtures/xml/agreements.xml", "w", encoding="utf-8").write("\n".join(x) + "\n")
json.dump({"totalCount": len(j), "items": j}, open("Fixtures/json/agreements.json", "w", encoding="utf-8"),
          ensure_ascii=False, indent=1)

# Orders: consecutive lines of one order id form one order.
orders = []
for o in rows("Fixtures/orders.csv"):
    key = (o["OrderId"], o["CustomerId"], o["CreationDate"], o["Status"])
    if orders and orders[-1][0] == key and o["OrderId"]:
        orders[-1][1].append(o)
    else:
        orders.append((key, [o]))
x = ['<?xml version="1.0" encoding="UTF-8"?>', "<Orders>"]
j = []
for (oid, cid, date, status), lines in orders:
    x.append(f'  <Order{attrs([("id", oid), ("customerId", cid), ("creationDate", date), ("status", status)])}>')
    items = []
    for l in lines:
        fields = [("lineItemNumber", l["LineItemNumber"]), ("offerId", l["OfferId"]), ("offerName", l["OfferName"]),
                  ("subscriptionId", l["SubscriptionId"]), ("quantity", l["Quantity"]), ("billingType", l["BillingType"]),
                  ("transactionType", l["TransactionType"]), ("partnerIdOnRecord", l.get("PartnerIdOnRecord", ""))]
        x.append(f"    <LineItem{attrs(fields)}/>")
        item = {}
        for k, v in fields:
            if v:
                item["friendlyName" if k == "offerName" else k] = int(v) if k in ("lineItemNumber", "quantity") and v.isdigit() else v
        items.append(item)
    x.append("  </Order>")
    order = {"id": oid, "referenceCustomerId": cid, "creationDate": date}
    if status:
        order["status"] = status
    order["lineItems"] = items
    j.append({k: v for k, v in order.items() if v != ""})
x.append("</Orders>")
open("Fixtures/xml/orders.xml", "w", encoding="utf-8").write("\n".join(x) + "\n")
json.dump({"totalCount": len(j), "items": j}, open("Fixtures/json/orders.json", "w", encoding="utf-8"),
          ensure_ascii=False, indent=1)
