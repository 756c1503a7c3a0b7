#!/usr/bin/env python3
"""One night's agreements export for Scripts/bench-history.sh: the generated export with a share
of its rows left out, changing from night to night.

    churn-agreements.py SOURCE DEST STATE PERCENT SEED

Each call toggles PERCENT % of SOURCE's data rows, picked at random (seeded by SEED): a row that
was left out comes back, any other is left out. STATE keeps the rows left out between calls (one
row number a line; a missing STATE file means none). A customer whose only confirmation leaves
becomes UNCONFIRMED (or INVALID turns UNCONFIRMED), and back when it returns, so about PERCENT %
of the customers change outcome each night. DEST is SOURCE without the rows left out.
"""
import os
import random
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    source, dest, state, percent, seed = sys.argv[1:]
    with open(source, "rb") as f:
        header = f.readline()
        rows = f.readlines()
    left_out = set()
    if os.path.exists(state):
        with open(state) as f:
            left_out = {int(line) for line in f if line.strip()}
    rng = random.Random(int(seed))
    for row in rng.sample(range(len(rows)), round(len(rows) * float(percent) / 100)):
        left_out ^= {row}
    with open(dest + ".tmp", "wb") as f:
        f.write(header)
        f.writelines(row for i, row in enumerate(rows) if i not in left_out)
    os.replace(dest + ".tmp", dest)
    with open(state + ".tmp", "w") as f:
        f.write("".join(f"{i}\n" for i in sorted(left_out)))
    os.replace(state + ".tmp", state)
    print(f"{len(left_out)} of {len(rows)} agreement rows left out", file=sys.stderr)


if __name__ == "__main__":
    main()
