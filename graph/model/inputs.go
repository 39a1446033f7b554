package model

import (
	"lifecircle/ent"
	"lifecircle/internal/i18n"
)

// CreateFacilityInput is entgql's input plus the name translations, a JSON
// field entgql cannot express as a GraphQL input.
type CreateFacilityInput struct {
	ent.CreateFacilityInput
	Names []i18n.Text
}

// UpdateFacilityInput is entgql's input plus the name translations.
type UpdateFacilityInput struct {
	ent.UpdateFacilityInput
	Names      []i18n.Text
	ClearNames bool
}
