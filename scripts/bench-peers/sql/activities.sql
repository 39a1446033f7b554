-- :activities activities (psql -v activities=N; scripts/synth makes none), in one INSERT ... SELECT.
-- Deterministic (md5 of the row number, not random()): each activity is held at a facility
-- (venue_id) in that facility's community (community_id), starts_at on a 15-minute slot in
-- 2025 (Asia/Shanghai), 1-3 hours long. Columns as ent/migrate/schema.go declares them:
-- NOT NULL created_at, updated_at, title, category (enum), starts_at, ends_at, status (enum),
-- registered_count, community_id; venue_id / organizer_id are nullable FKs.
-- Assumes facility ids are contiguous (synth writes them in one transaction): checked below.
\set ON_ERROR_STOP on
DO $$
BEGIN
  IF (SELECT max(id) - min(id) + 1 <> count(*) FROM facilities) THEN
    RAISE EXCEPTION 'facility ids are not contiguous';
  END IF;
  IF EXISTS (SELECT 1 FROM activities) THEN
    RAISE EXCEPTION 'activities is not empty';
  END IF;
END $$;

WITH f AS (SELECT min(id) AS lo, count(*) AS n FROM facilities),
s AS (
  SELECT g.i,
         (('x' || substr(md5('act' || g.i), 1, 8))::bit(32)::bigint & 2147483647) AS h1,
         (('x' || substr(md5('act' || g.i), 9, 8))::bit(32)::bigint & 2147483647) AS h2,
         (('x' || substr(md5('act' || g.i), 17, 8))::bit(32)::bigint & 2147483647) AS h3
  FROM generate_series(1, :activities) AS g(i))
INSERT INTO activities (created_at, updated_at, title, description, theme, category, target_groups,
                        starts_at, ends_at, capacity, status, registered_count, source,
                        venue_id, organizer_id, community_id)
SELECT now(), now(), '合成活动' || s.i, NULL, NULL,
       (ARRAY['CULTURE','HEALTH','EDUCATION','VOLUNTEER','PARTY','FESTIVAL','SPORT','CHILDREN',
              'ELDERLY','OTHER'])[1 + s.h2 % 10],
       NULL,
       timestamptz '2025-01-01 00:00:00+08' + (s.h2 % (365 * 96)) * interval '15 minutes',
       timestamptz '2025-01-01 00:00:00+08' + (s.h2 % (365 * 96)) * interval '15 minutes'
         + (1 + s.h3 % 3) * interval '1 hour',
       20 + s.h3 % 81, 'SCHEDULED', 0, 'synthetic',
       v.id, NULL, v.community_id
FROM s CROSS JOIN f
JOIN facilities v ON v.id = f.lo + s.h1 % f.n
ORDER BY s.i;

ANALYZE;
