package rule

import (
	"lifecircle/ent"
	"lifecircle/ent/privacy"
)

// PrivateCommunityWrites is the policy of private records that staff keep
// for their community (a resource's contact person, a need matched to a
// resource): read as Private (admins all, staff their community's, nobody
// else any), written by admins and staff of the record's community.
func PrivateCommunityWrites() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{AllowAdmin(), FilterPrivate(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{AllowAdmin(), AllowStaffOfCommunity(), DenyWrite()},
	}
}
