-- Modify "grid_compounds" table
ALTER TABLE "grid_compounds" DROP CONSTRAINT "grid_compounds_compound_id", DROP CONSTRAINT "grid_compounds_grid_id", ADD CONSTRAINT "grid_compounds_compounds_compound" FOREIGN KEY ("compound_id") REFERENCES "compounds" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "grid_compounds_grids_grid" FOREIGN KEY ("grid_id") REFERENCES "grids" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
-- Create index "gridcompound_compound_id" to table: "grid_compounds"
CREATE INDEX "gridcompound_compound_id" ON "grid_compounds" ("compound_id");
-- Modify "visits" table
ALTER TABLE "visits" DROP CONSTRAINT "visits_persons_visitor", ALTER COLUMN "visitor_id" DROP NOT NULL, ADD CONSTRAINT "visits_persons_visitor" FOREIGN KEY ("visitor_id") REFERENCES "persons" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
