-- PostGIS layer for Q4/Q5 on the bench database (on ent's tables):
-- an expression GiST index over facilities(lat, lng) and facilities_near() for PostGraphile.
-- lifecircle does not use PostGIS; this is for the floor and the PostGraphile route only.
-- facilities_near leaves out status = 'CLOSED', as lifecircle's
-- facilitiesNear does, so both answer the same question. Idempotent.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE INDEX IF NOT EXISTS facility_geog ON facilities
    USING gist ((ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography));

CREATE OR REPLACE FUNCTION facilities_near(lat double precision, lng double precision,
                                           radius_m double precision)
RETURNS SETOF facilities
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT f.* FROM facilities f
    WHERE ST_DWithin(ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography,
                     ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography, $3, false)
      AND f.status <> 'CLOSED'
    ORDER BY ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography
             <-> ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography
$$;

ANALYZE facilities;
