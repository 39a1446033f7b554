package model

import (
	"time"

	"lifecircle/ent"
	"lifecircle/ent/publication"
	"lifecircle/internal/i18n"
	"lifecircle/internal/servicemap"
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

// LifeCircleReport is the computed report; its compounds connection is
// sorted and paged by a resolver from Report.
type LifeCircleReport struct {
	Region            *ent.Region
	Minutes           float64
	Profile           WalkingProfile
	Method            WalkMethod
	CompoundCount     int
	Households        int
	MeanScore         float64
	MissingByCategory []*MissingCategory
	Report            *servicemap.Report
}

// Statistics is a region's published figures for a month.
type Statistics struct {
	Region      *ent.Region
	Period      string
	Method      publication.Method
	Epsilon     *float64
	PublishedAt time.Time
	Values      []*StatValue
}

// PersonalData is everything held about one person (internal/personaldata);
// its lists are resolved from PersonID.
type PersonalData struct {
	FormatVersion int
	Person        *ent.Person
	PersonID      int
	Download      string
}
