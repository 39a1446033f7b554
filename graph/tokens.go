package graph

import (
	"context"
	"strings"

	"lifecircle/ent"
	"lifecircle/graph/model"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/idempotency"
	"lifecircle/internal/limits"
)

// createAPIToken issues a token (token.Issue decides who may) once per
// idempotency key. The first answer carries the secret; a retry answers
// the same token, marked replayed, and its secret only while the sealed
// copy is kept and the retry's credential and key open it (token.SealKey),
// else null.
//
// Staff give a token at most its role's rate budget (of budget, when set).
func createAPIToken(ctx context.Context, in model.CreateAPITokenInput, budget *limits.Budget) (*model.CreateAPITokenPayload, error) {
	key := deref(in.ClientMutationID)
	if in.ClientMutationID != nil {
		if err := idempotency.CheckKey("clientMutationId", key); err != nil {
			return nil, err
		}
	}
	req := idempotencyRequest(ctx, key)
	spec := token.Spec{Name: in.Name, Role: in.Role, CommunityID: orZero(in.CommunityID), PersonID: orZero(in.PersonID),
		ExpiresAt: in.ExpiresAt, RatePerWindow: in.RatePerWindow}
	if budget != nil {
		spec.StaffMaxRate = budget.RateOf(strings.ToLower(in.Role)).Points
	}
	if in.Scope != nil {
		spec.Scope = *in.Scope
	}
	if req.Scope != "" {
		spec.SealKey = token.SealKey(ctx, req.Key, req.Field)
	}
	client := ent.FromContext(ctx)
	p, err := idempotency.Create(ctx, client, req, func() (*model.CreateAPITokenPayload, error) {
		is, err := token.Issue(ctx, client, spec)
		if err != nil {
			return nil, err
		}
		return &model.CreateAPITokenPayload{APIToken: is.Token, Secret: &is.Secret}, nil
	}, func(p *model.CreateAPITokenPayload) int { return p.APIToken.ID },
		func(ctx context.Context, id int) (*model.CreateAPITokenPayload, error) {
			t, err := client.APIToken.Get(ctx, id)
			if err != nil {
				return nil, err
			}
			p := &model.CreateAPITokenPayload{APIToken: t, Replayed: true}
			if secret, ok := token.Unseal(t, spec.SealKey); ok {
				p.Secret = &secret
			}
			return p, nil
		})
	if err != nil {
		return nil, err
	}
	p.ClientMutationID = in.ClientMutationID
	return p, nil
}

func orZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
