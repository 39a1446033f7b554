-- Modify "activities" table
ALTER TABLE "activities" ADD COLUMN "illustrative" jsonb NULL;
-- Modify "compounds" table
ALTER TABLE "compounds" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
-- Modify "facilities" table
ALTER TABLE "facilities" ADD COLUMN "illustrative" jsonb NULL;
-- Modify "grids" table
ALTER TABLE "grids" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
-- Modify "persons" table
ALTER TABLE "persons" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
-- Modify "regions" table
ALTER TABLE "regions" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
-- Modify "service_requests" table
ALTER TABLE "service_requests" ADD COLUMN "source" character varying NULL, ADD COLUMN "illustrative" jsonb NULL;
