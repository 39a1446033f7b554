//go:build !bootstrap

package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/entql"

	gen "lifecircle/ent"
	"lifecircle/ent/privacy"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// Policy of the WebhookEndpoint: admins read every endpoint, staff those
// their community owns, nobody else any. Written only by internal/webhook
// under the system context, after it has checked the caller may.
func (WebhookEndpoint) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.AllowAdmin(), webhookOwners(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// Policy of the WebhookDelivery: read like its endpoint.
func (WebhookDelivery) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.AllowAdmin(), webhookOwners(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// webhookOwners narrows reads of endpoints and deliveries to those of the
// staff viewer's community; anyone else (but admins, allowed before) reads
// none.
func webhookOwners() privacy.QueryRule {
	return privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := auth.FromContext(ctx)
		owned := entql.FieldEQ("owner_community_id", v.CommunityID)
		if !v.IsStaff() {
			owned = entql.FieldEQ("id", 0) // no record has ID 0
		}
		switch f := f.(type) {
		case *gen.WebhookEndpointFilter:
			f.Where(owned)
		case *gen.WebhookDeliveryFilter:
			f.Where(entql.HasEdgeWith("endpoint", owned))
		default:
			f.Where(entql.FieldEQ("id", 0))
		}
		return privacy.Skip
	})
}
