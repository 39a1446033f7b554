//go:build !bootstrap

package schema

import (
	"entgo.io/ent"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/changelog"
	"lifecircle/internal/cobuild"
)

// Policy of the Resource: public reads; staff of its community write.
func (Resource) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the Resource: its provider, venue and project are of its community.
func (Resource) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, cobuild.SameCommunity, changelog.Record("Resource")}
}

// Policy of the ResourceContact: private; staff of the community write.
func (ResourceContact) Policy() ent.Policy { return rule.PrivateCommunityWrites() }

// Hooks of the ResourceContact.
func (ResourceContact) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, cobuild.SameCommunity} }

// Policy of the CoBuildingProject: public reads; staff of its community write.
func (CoBuildingProject) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the CoBuildingProject.
func (CoBuildingProject) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, changelog.Record("CoBuildingProject")}
}

// Policy of the ProjectSigning: public reads; staff of the project's community write.
func (ProjectSigning) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the ProjectSigning: the unit and the project are of its community.
func (ProjectSigning) Hooks() []ent.Hook {
	return []ent.Hook{cobuild.SameCommunity, changelog.Record("ProjectSigning")}
}

// Policy of the ProjectUpdate: public reads; staff of the project's community write.
func (ProjectUpdate) Policy() ent.Policy { return rule.CommunityWrites() }

// Hooks of the ProjectUpdate.
func (ProjectUpdate) Hooks() []ent.Hook {
	return []ent.Hook{normaliseInput, cobuild.SameCommunity, changelog.Record("ProjectUpdate")}
}

// Policy of the NeedMatch: private; staff of the community write.
func (NeedMatch) Policy() ent.Policy { return rule.PrivateCommunityWrites() }

// Hooks of the NeedMatch: the need, resource and project are of its community.
func (NeedMatch) Hooks() []ent.Hook { return []ent.Hook{normaliseInput, cobuild.SameCommunity} }
