-- Create index "activity_community_id_starts_at" to table: "activities"
CREATE INDEX "activity_community_id_starts_at" ON "activities" ("community_id", "starts_at");
-- Create index "activity_organizer_id" to table: "activities"
CREATE INDEX "activity_organizer_id" ON "activities" ("organizer_id");
-- Create index "activity_venue_id" to table: "activities"
CREATE INDEX "activity_venue_id" ON "activities" ("venue_id");
-- Create index "compound_community_id" to table: "compounds"
CREATE INDEX "compound_community_id" ON "compounds" ("community_id");
-- Create index "facility_community_id_category" to table: "facilities"
CREATE INDEX "facility_community_id_category" ON "facilities" ("community_id", "category");
-- Create index "facility_compound_id" to table: "facilities"
CREATE INDEX "facility_compound_id" ON "facilities" ("compound_id");
-- Create index "facility_operator_id" to table: "facilities"
CREATE INDEX "facility_operator_id" ON "facilities" ("operator_id");
-- Create index "facility_parent_id" to table: "facilities"
CREATE INDEX "facility_parent_id" ON "facilities" ("parent_id");
-- Create index "grid_community_id" to table: "grids"
CREATE INDEX "grid_community_id" ON "grids" ("community_id");
-- Create index "organization_compound_id" to table: "organizations"
CREATE INDEX "organization_compound_id" ON "organizations" ("compound_id");
-- Create index "organization_parent_id" to table: "organizations"
CREATE INDEX "organization_parent_id" ON "organizations" ("parent_id");
-- Create index "organization_region_id" to table: "organizations"
CREATE INDEX "organization_region_id" ON "organizations" ("region_id");
-- Create index "person_community_id" to table: "persons"
CREATE INDEX "person_community_id" ON "persons" ("community_id");
-- Create index "region_parent_id" to table: "regions"
CREATE INDEX "region_parent_id" ON "regions" ("parent_id");
-- Create index "registration_community_id" to table: "registrations"
CREATE INDEX "registration_community_id" ON "registrations" ("community_id");
-- Create index "registration_person_id" to table: "registrations"
CREATE INDEX "registration_person_id" ON "registrations" ("person_id");
-- Create index "requestevent_request_id" to table: "request_events"
CREATE INDEX "requestevent_request_id" ON "request_events" ("request_id");
-- Create index "servicerequest_claimed_by_id" to table: "service_requests"
CREATE INDEX "servicerequest_claimed_by_id" ON "service_requests" ("claimed_by_id");
-- Create index "servicerequest_compound_id" to table: "service_requests"
CREATE INDEX "servicerequest_compound_id" ON "service_requests" ("compound_id");
-- Create index "servicerequest_dispatched_to_id" to table: "service_requests"
CREATE INDEX "servicerequest_dispatched_to_id" ON "service_requests" ("dispatched_to_id");
