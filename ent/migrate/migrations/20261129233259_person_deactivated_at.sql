-- Modify "persons" table
ALTER TABLE "persons" ADD COLUMN "deactivated_at" timestamptz NULL;
