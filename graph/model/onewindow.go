package model

import (
	"lifecircle/ent"
	"lifecircle/internal/i18n"
)

// CreateServiceMatterInput is entgql's input plus the name translations
// and the idempotency key.
type CreateServiceMatterInput struct {
	ent.CreateServiceMatterInput
	Names            []i18n.Text
	ClientMutationID *string
}

// UpdateServiceMatterInput is entgql's input plus the name translations.
type UpdateServiceMatterInput struct {
	ent.UpdateServiceMatterInput
	Names      []i18n.Text
	ClearNames bool
}
