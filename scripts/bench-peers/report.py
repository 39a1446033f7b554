#!/usr/bin/env python3
"""Tables of scripts/bench-peers from its results.tsv (.cache/run/results.tsv): the ratio table in
the form of issue #17 (one value per round), then per query and round req/s — p50 / p99 ms of the
floor, PostGraphile and lifecircle with their errors, Q4 at one connection, memory and the soak.
Usage: report.py [results.tsv]"""
import re, sys

path = sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit("/", 1)[0] + "/.cache/run/results.tsv"
QUESTIONS = {
    "q1": "Q1 50 facilities of a category in a community, with community and subdistrict names",
    "q2": "Q2 first 50 facilities (by id) in a ~1 km box",
    "q3": "Q3 next 20 activities of a community from a date, with venue",
    "q4": "Q4 50 nearest facilities within 1,200 m (`facilitiesNear`; floor: PostGIS GiST KNN)",
    "q5": "Q5 `serviceCircle`, 15 min (floor: PostGIS)",
}
rows, misc = {}, {}
for line in open(path):
    ts, label, rest = line.rstrip("\n").split("\t")
    kv = dict(re.findall(r"(\w+)=(\S+)", rest))
    m = re.match(r"(floor|postgraphile|lifecircle)-(r\d+|c1)$", label)
    if m:
        rows[(kv["query"], m.group(2), m.group(1))] = kv
    else:
        misc[label] = kv

def rps(kv): return float(kv["rps"])
def ratio(a, b): return f"{rps(a) / rps(b):.2f}" if a and b else "—"
def cell(kv):
    if not kv: return "—"
    if "graphql_errors" in kv:
        bad = int(kv["graphql_errors"]) + int(kv["socket_errors"])
        err = "" if bad == 0 else f" **{kv['graphql_errors']} errors, {kv['non200']} non-200, {kv['socket_errors']} socket**"
    else:
        err = "" if kv.get("errors", "0") in ("0", "na") else f" **{kv['errors']} failed**"
    return f"{rps(kv):,.0f} — {float(kv['p50_ms']):.1f} / {float(kv['p99_ms']):.1f}{err}"

queries = [q for q in QUESTIONS if any(k[0] == q and k[1].startswith("r") for k in rows)]
rounds = sorted({k[1] for k in rows if k[1].startswith("r")}, key=lambda r: int(r[1:]))
print("| question | lifecircle ÷ PostGraphile | lifecircle ÷ floor |")
print("|---|---|---|")
for q in queries:
    lp = ", ".join(ratio(rows.get((q, r, "lifecircle")), rows.get((q, r, "postgraphile"))) for r in rounds)
    lf = ", ".join(ratio(rows.get((q, r, "lifecircle")), rows.get((q, r, "floor"))) for r in rounds)
    print(f"| {QUESTIONS[q]} | {lp if q != 'q5' else '—'} | {lf} |")
print("\nreq/s — p50 / p99 ms; errors are shown only when there were any "
      "(GraphQL errors, non-200 answers, socket errors; pgbench: failed transactions).\n")
print("| query | round | floor (pgbench) | PostGraphile (wrk) | lifecircle (wrk) | lifecircle p99 < PostGraphile p50 |")
print("|---|---|---|---|---|---|")
for q in queries:
    for r in rounds:
        f, p, l = (rows.get((q, r, c)) for c in ("floor", "postgraphile", "lifecircle"))
        tail = ("yes" if float(l["p99_ms"]) < float(p["p50_ms"]) else "no") if l and p else "—"
        print(f"| {q.upper()} | {r[1:]} | {cell(f)} | {cell(p)} | {cell(l)} | {tail} |")
c1 = [(c, rows.get(("q4", "c1", c))) for c in ("floor", "postgraphile", "lifecircle")]
if any(v for _, v in c1):
    print("\nQ4 at one connection: " + "; ".join(f"{c} {cell(v)}" for c, v in c1 if v)
          + (f" (lifecircle p50 ÷ floor p50: {float(c1[2][1]['p50_ms']) / float(c1[0][1]['p50_ms']):.1f})" if c1[0][1] and c1[2][1] else ""))
mb = lambda v: f"{int(v) / 1024:.0f} MB" if v and v != "na" else "—"
if "idle" in misc:
    i = misc["idle"]
    print(f"\nIdle RSS with {int(i['facilities']):,} facilities: lifecircle {mb(i['lifecircle_rss_kb'])} (after a GC), "
          f"PostGraphile {mb(i['postgraphile_rss_kb'])}", end="")
    if "after" in misc:
        a = misc["after"]
        print(f"; after the loads: lifecircle {mb(a['lifecircle_rss_kb'])}, PostGraphile {mb(a['postgraphile_rss_kb'])}", end="")
    print(".")
if "soak" in misc:
    s = misc["soak"]
    print(f"\nSoak, mixed load on lifecircle for {s['seconds']} s: {float(s['rps']):,.0f} req/s, p50 {float(s['p50_ms']):.1f} / "
          f"p99 {float(s['p99_ms']):.1f} ms, {s['graphql_errors']} errors; RSS after a GC {mb(s['before_kb'])} before, {mb(s['after_kb'])} after.")
