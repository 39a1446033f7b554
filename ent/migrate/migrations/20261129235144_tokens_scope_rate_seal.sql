-- Modify "api_tokens" table
ALTER TABLE "api_tokens" ADD COLUMN "scope" character varying NOT NULL DEFAULT 'READ_WRITE', ADD COLUMN "rate_per_window" bigint NULL, ADD COLUMN "sealed_secret" bytea NULL, ADD COLUMN "sealed_until" timestamptz NULL;
