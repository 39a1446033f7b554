package graph

import (
	"context"
	"time"

	"lifecircle/ent"
	"lifecircle/graph/model"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/idempotency"
	"lifecircle/internal/webhook"
)

// nonEmpty is s, or nil (GraphQL null) when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// createWebhookEndpoint registers an endpoint once per idempotency key
// (the Idempotency-Key header; the input has no clientMutationId). The
// first answer carries the signing secret. A retry by the same client with
// the same key and arguments answers the same endpoint and, as
// createApiToken does for its sealed secret, the same secret while that
// is still its secret and for token.SealFor after the create; after a
// rotation, or later than that, the retry is refused with CONFLICT (the
// secret is not shown again: rotate it to get a new one).
func createWebhookEndpoint(ctx context.Context, hooks webhook.Endpoints, in model.CreateWebhookEndpointInput) (*model.WebhookEndpointSecretPayload, error) {
	client := ent.FromContext(ctx)
	req := idempotencyRequest(ctx, "")
	return idempotency.Create(ctx, client, req, func() (*model.WebhookEndpointSecretPayload, error) {
		ep, secret, err := hooks.Create(ctx, client, webhook.Input{URL: &in.URL, EventTypes: in.EventTypes,
			CommunityID: in.CommunityID, Description: in.Description})
		if err != nil {
			return nil, err
		}
		return &model.WebhookEndpointSecretPayload{Endpoint: ep, Secret: secret}, nil
	}, func(p *model.WebhookEndpointSecretPayload) int { return p.Endpoint.ID },
		func(ctx context.Context, id int) (*model.WebhookEndpointSecretPayload, error) {
			ep, err := hooks.Get(ctx, client, id)
			if err != nil {
				return nil, err
			}
			if ep.PreviousSecretUntil != nil || time.Since(ep.CreatedAt) > token.SealFor {
				return nil, apperr.New(apperr.CodeConflict,
					"this create was answered before and its secret is no longer shown; rotate the endpoint's secret (rotateWebhookEndpointSecret) to get a new one")
			}
			return &model.WebhookEndpointSecretPayload{Endpoint: ep, Secret: ep.Secret}, nil
		})
}
