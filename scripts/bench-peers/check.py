#!/usr/bin/env python3
"""Correctness check of scripts/bench-peers, before timing: for N random draws per query, ask
lifecircle, PostGraphile and the SQL floor the same question and compare the answers (id lists,
names; lifecircle's global IDs decoded). Q5 has no PostGraphile route: lifecircle against the
PostGIS floor only. Any GraphQL error, empty answer or mismatch counts. Prints one line per draw
and a summary; exits 1 on any mismatch.
Usage: check.py LC_URL PG_URL [N] [queries...]   (psql reaches the bench database through PG*)"""
import base64, json, random, subprocess, sys, urllib.request

lc_url, pg_url = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 5
queries = sys.argv[4:] or ["q1", "q2", "q3", "q4"]
here = __file__.rsplit("/", 1)[0]

def psql(sql):
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-c", sql], check=True,
                         capture_output=True, text=True).stdout
    return [l.split("\t") for l in out.splitlines() if l]

comms = [int(r[0]) for r in psql("SELECT id FROM regions WHERE level = 'COMMUNITY' ORDER BY id")]
cats = [r[0] for r in psql("SELECT DISTINCT category FROM facilities ORDER BY 1")]
gid = lambda i: base64.urlsafe_b64encode(f"lc:{i}".encode()).decode().rstrip("=")
ungid = lambda s: int(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()[3:])

def post(url, doc, variables):
    req = urllib.request.Request(url, json.dumps({"query": doc, "variables": variables}).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = json.load(r)
    if "errors" in body:
        raise RuntimeError(json.dumps(body["errors"])[:500])
    return body["data"]

docs = {t: {q: open(f"{here}/graphql-{t}/{q}.graphql").read() for q in queries
              if q != "q5" or t == "lc"} for t in ("lc", "pg")}
rng = random.Random(42)
bad = 0
for q in queries:
    for i in range(n):
        c = rng.choice(comms); cat = rng.choice(cats)
        la = rng.randint(34125000, 34475000) / 1e6; ln = rng.randint(108590000, 109010000) / 1e6
        day = rng.randint(0, 300)
        frm = f"(timestamptz '2025-01-01 00:00:00+08' + {day} * interval '1 day')"
        import datetime
        from_s = (datetime.date(2025, 1, 1) + datetime.timedelta(days=day)).isoformat() + "T00:00:00+08:00"
        if q == "q1":
            lv = {"category": cat, "communityId": gid(c)}; pv = {"category": cat, "communityId": str(c)}
            sql = (f"SELECT f.id, f.name, r.name, p.name FROM facilities f LEFT JOIN regions r ON r.id = f.community_id "
                   f"LEFT JOIN regions p ON p.id = r.parent_id WHERE f.category = '{cat}' AND f.community_id = {c} ORDER BY f.id LIMIT 50")
            l = [(ungid(e["node"]["id"]), e["node"]["community"]["name"], e["node"]["community"]["parent"]["name"])
                 for e in post(lc_url, docs["lc"][q], lv)["facilities"]["edges"]]
            p = [(int(x["rowId"]), x["regionByCommunityId"]["name"], x["regionByCommunityId"]["regionByParentId"]["name"])
                 for x in post(pg_url, docs["pg"][q], pv)["allFacilities"]["nodes"]]
            s = [(int(r[0]), r[2], r[3]) for r in psql(sql)]
        elif q == "q2":
            v = {"minLat": la - 0.0045, "minLng": ln - 0.0056, "maxLat": la + 0.0045, "maxLng": ln + 0.0056}
            sql = (f"SELECT id FROM facilities WHERE lat >= {v['minLat']} AND lat <= {v['maxLat']} AND lng >= {v['minLng']} "
                   f"AND lng <= {v['maxLng']} ORDER BY id LIMIT 50")
            l = [ungid(e["node"]["id"]) for e in post(lc_url, docs["lc"][q], v)["facilities"]["edges"]]
            p = [int(x["rowId"]) for x in post(pg_url, docs["pg"][q], v)["allFacilities"]["nodes"]]
            s = [int(r[0]) for r in psql(sql)]
        elif q == "q3":
            lv = {"communityId": gid(c), "from": from_s}; pv = {"communityId": str(c), "from": from_s}
            sql = (f"SELECT a.id, v.name FROM activities a LEFT JOIN facilities v ON v.id = a.venue_id WHERE a.community_id = {c} "
                   f"AND a.starts_at >= {frm} ORDER BY a.starts_at, a.id LIMIT 20")
            l = [(ungid(e["node"]["id"]), (e["node"]["venue"] or {}).get("name")) for e in post(lc_url, docs["lc"][q], lv)["activities"]["edges"]]
            p = [(int(x["rowId"]), (x["facilityByVenueId"] or {}).get("name")) for x in post(pg_url, docs["pg"][q], pv)["allActivities"]["nodes"]]
            s = [(int(r[0]), r[1]) for r in psql(sql)]
        elif q == "q4":
            v = {"lat": la, "lng": ln, "radius": 1200}
            sql = (f"SELECT id FROM facilities f WHERE ST_DWithin(ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography, "
                   f"ST_SetSRID(ST_MakePoint({ln}, {la}), 4326)::geography, 1200, false) AND f.status <> 'CLOSED' "
                   f"ORDER BY ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography <-> ST_SetSRID(ST_MakePoint({ln}, {la}), 4326)::geography LIMIT 50")
            l = [ungid(e["node"]["id"]) for e in post(lc_url, docs["lc"][q], v)["facilitiesNear"]["edges"]]
            p = [int(x["rowId"]) for x in post(pg_url, docs["pg"][q], v)["facilitiesNear"]["nodes"]]
            s = [int(r[0]) for r in psql(sql)]
        elif q == "q5":
            # lifecircle only: per category (withinReach, 3 nearest ids) against the PostGIS floor
            v = {"lat": la, "lng": ln}
            sql = (f"SELECT category, count(*) FILTER (WHERE d <= 865.3846), (array_agg(id ORDER BY d, id))[1:3] FROM ("
                   f"SELECT f.id, f.category, ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography <-> "
                   f"ST_SetSRID(ST_MakePoint({ln}, {la}), 4326)::geography AS d FROM facilities f WHERE ST_DWithin("
                   f"ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography, ST_SetSRID(ST_MakePoint({ln}, {la}), 4326)::geography, "
                   f"1730.7692, false) AND f.status = 'OPEN') s GROUP BY category ORDER BY category")
            cats_lc = post(lc_url, docs["lc"][q], v)["serviceCircle"]["categories"]
            l = sorted((c["category"]["code"], c["withinReach"], [ungid(x["facility"]["id"]) for x in c["nearest"]])
                       for c in cats_lc if c["nearest"])
            s = [(r[0], int(r[1]), [int(x) for x in r[2].strip("{}").split(",")]) for r in psql(sql)]
            p = s
        ok = len(l) > 0 and l == p == s
        if not ok and q == "q5" and len(l) == len(s) > 0:
            # boundary cases: equirectangular vs sphere distance at the 865 m / 1,731 m edges
            nd = sum(a != b for a, b in zip(l, s)); ok = "edge" if nd <= 2 else False
        if not ok and q == "q4" and len(l) == len(p) == len(s) > 0 and p == s:
            # equirectangular (lifecircle) vs sphere (PostGIS) distances may swap near-ties / edge members
            diff = len(set(l) ^ set(p)); ok = "order-or-edge" if diff <= 2 else False
        bad += not ok
        print(f"{q} draw {i}: lifecircle={len(l)} postgraphile={len(p) if q != 'q5' else '-'} floor={len(s)} equal={ok}"
              + (" (q5: categories with a facility within 30 min)" if q == "q5" and i == 0 else ""))
        if not ok:
            print("   lc:", l[:8], "\n   pg:", p[:8], "\n   sql:", s[:8])
print("mismatches:", bad)
sys.exit(1 if bad else 0)
