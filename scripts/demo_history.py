#!/usr/bin/env python3
"""Writes the demo's MRV history: one daily batch body per demo installation for each of the
DAYS days before today (UTC), so a fresh demo has a week of emissions in the dashboard's chart
before the live pipeline adds today's 1-minute batches. Quantities follow the simulator's daily
shapes (gas on day shifts, power with a weekday office load, diesel on weekdays), vary by day
and installation deterministically, and are marked in the batch id as backfilled history.

usage: demo_history.py GENESIS OUT_DIR [DAYS]   -> OUT_DIR/<company>.<installation>.<day>.json
"""
import datetime
import hashlib
import json
import os
import sys

genesis, out_dir = sys.argv[1], sys.argv[2]
days = int(sys.argv[3]) if len(sys.argv) > 3 else 7
g = json.load(open(genesis))
devices = {}
for t in g["mrv"]["txs"]:
    if t["type"] == "mrv.device.register":
        devices.setdefault((t["from"], t["body"]["installation"]), []).append(t["body"])

# Daily totals in the reading unit at 100 % load (Nm3 gas, kWh power, kg diesel); a batch
# quantity is an integer in thousandths of the unit.
DAILY = {"natural_gas": 4000, "electricity": 16000, "diesel": 1200}
os.makedirs(out_dir, exist_ok=True)
today = datetime.datetime.now(datetime.timezone.utc).date()
for (company, inst), devs in sorted(devices.items()):
    for back in range(days, 0, -1):
        day = today - datetime.timedelta(days=back)
        weekend = day.weekday() >= 5
        totals = []
        for d in sorted(devs, key=lambda d: d["device"]):
            h = int(hashlib.sha256(f"{d['device']}/{day}".encode()).hexdigest()[:8], 16)
            load = 85 + h % 30  # 85..114 % of the base
            if weekend and d["source"] != "natural_gas":
                load = load // 2 if d["source"] == "electricity" else 0
            milli = DAILY.get(d["source"], 1000) * load * 10  # thousandths of the unit
            if milli == 0:
                continue
            totals.append({"source": d["source"], "device": d["device"], "unit": d["unit"],
                           "quantity": str(milli), "readings": 8640, "gaps": 0, "substituted": 0})
        root = hashlib.sha256(f"demo-history/{inst}/{day}".encode()).hexdigest()
        body = {"batch_id": f"{inst}.{day}.history", "installation": inst, "day": str(day),
                "merkle_root": root, "totals": totals}
        with open(os.path.join(out_dir, f"{company}.{inst}.{day}.json"), "w") as f:
            json.dump(body, f)
