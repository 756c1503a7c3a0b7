print("mca-audit")
