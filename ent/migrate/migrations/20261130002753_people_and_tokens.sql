-- Modify "api_tokens" table
ALTER TABLE "api_tokens" ADD COLUMN "scope" character varying NOT NULL DEFAULT 'READ_WRITE', ADD COLUMN "rate_per_window" bigint NULL, ADD COLUMN "sealed_secret" bytea NULL, ADD COLUMN "sealed_until" timestamptz NULL;
-- Create "organization_members" table
CREATE TABLE "organization_members" ("organization_id" bigint NOT NULL, "person_id" bigint NOT NULL, PRIMARY KEY ("organization_id", "person_id"), CONSTRAINT "organization_members_organization_id" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "organization_members_person_id" FOREIGN KEY ("person_id") REFERENCES "persons" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
