package webhook

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"fmt"
	"slices"
	"strings"
	"time"

	gen "lifecircle/ent"
	"lifecircle/ent/region"
	"lifecircle/ent/webhookdelivery"
	"lifecircle/ent/webhookendpoint"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// RotationOverlap is how long the secret before a rotation keeps signing
// beside the new one.
const RotationOverlap = 24 * time.Hour

// MaxDeliveriesPage is the most deliveries one listing answers.
const MaxDeliveriesPage = 100

// Endpoints manages endpoints for the API: every function checks the
// caller (admins: any endpoint; staff: their community's) and writes under
// the system context once it has.
type Endpoints struct {
	// AllowPrivate accepts URLs that name internal addresses.
	AllowPrivate bool
}

// Input is what a create or update sets; nil leaves a field as it is
// (create: the default).
type Input struct {
	URL         *string
	EventTypes  []string
	CommunityID *int
	Description *string
	Enabled     *bool
}

// manager returns the caller if they may manage endpoints.
func manager(ctx context.Context) (auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if !v.IsAdmin() && !v.IsStaff() {
		return v, apperr.New(apperr.CodeForbidden, "only admins and staff manage webhook endpoints")
	}
	return v, nil
}

func (e Endpoints) check(in Input, create bool) error {
	if in.URL != nil || create {
		if in.URL == nil {
			return apperr.Invalid("url", "url is required", "必须填写 url")
		}
		if len(*in.URL) > 2000 {
			return apperr.Invalid("url", "url is longer than 2000 characters", "url 超过 2000 个字符")
		}
		if err := CheckURL(*in.URL, e.AllowPrivate); err != nil {
			return apperr.Invalid("url", "url refused: "+err.Error(), "url 不可用（须为 http 或 https，且不得指向内部地址）："+err.Error())
		}
	}
	if in.EventTypes != nil || create {
		if len(in.EventTypes) == 0 {
			return apperr.Invalid("eventTypes", "give at least one event type", "至少选择一种事件类型")
		}
		for _, t := range in.EventTypes {
			if !slices.Contains(EventTypes, t) {
				return apperr.Invalid("eventTypes", fmt.Sprintf("unknown event type %q (see webhookEventTypes)", t),
					fmt.Sprintf("未知的事件类型 %q（见 webhookEventTypes）", t))
			}
		}
	}
	if in.Description != nil && len([]rune(*in.Description)) > 500 {
		return apperr.Invalid("description", "description is longer than 500 characters", "description 超过 500 个字符")
	}
	return nil
}

func dedupe(l []string) []string {
	out := slices.Clone(l)
	slices.Sort(out)
	return slices.Compact(out)
}

// Create registers an endpoint and returns it with its secret, which is
// shown this once.
func (e Endpoints) Create(ctx context.Context, c *gen.Client, in Input) (*gen.WebhookEndpoint, string, error) {
	v, err := manager(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := e.check(in, true); err != nil {
		return nil, "", err
	}
	sys := rule.SystemContext(ctx)
	secret := NewSecret()
	b := c.WebhookEndpoint.Create().SetURL(*in.URL).SetEventTypes(dedupe(in.EventTypes)).SetSecret(secret)
	if in.Description != nil {
		b.SetDescription(strings.TrimSpace(*in.Description))
	}
	switch {
	case v.IsAdmin():
		b.SetOwnerRole(webhookendpoint.OwnerRoleAdmin)
		if in.CommunityID != nil {
			ok, err := c.Region.Query().Where(region.ID(*in.CommunityID), region.LevelEQ(region.LevelCommunity)).Exist(sys)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				return nil, "", apperr.Invalid("communityID", "no such community", "没有这个社区")
			}
			b.SetCommunityID(*in.CommunityID)
		}
	default:
		if in.CommunityID != nil && *in.CommunityID != v.CommunityID {
			return nil, "", apperr.New(apperr.CodeForbidden, "staff register endpoints for their own community only")
		}
		b.SetOwnerRole(webhookendpoint.OwnerRoleStaff).SetOwnerCommunityID(v.CommunityID).SetCommunityID(v.CommunityID)
	}
	ep, err := b.Save(sys)
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// Get returns the endpoint if the caller may read it (NOT_FOUND otherwise,
// as for a missing one).
func (e Endpoints) Get(ctx context.Context, c *gen.Client, id int) (*gen.WebhookEndpoint, error) {
	if _, err := manager(ctx); err != nil {
		return nil, err
	}
	ep, err := c.WebhookEndpoint.Get(ctx, id)
	if gen.IsNotFound(err) {
		return nil, apperr.New(apperr.CodeNotFound, "no such webhook endpoint")
	}
	return ep, err
}

// Update changes an endpoint. Enabling a disabled endpoint clears its
// failure count and reason.
func (e Endpoints) Update(ctx context.Context, c *gen.Client, id int, in Input) (*gen.WebhookEndpoint, error) {
	ep, err := e.Get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if err := e.check(in, false); err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	u := c.WebhookEndpoint.UpdateOne(ep)
	if in.URL != nil {
		u.SetURL(*in.URL)
	}
	if in.EventTypes != nil {
		u.SetEventTypes(dedupe(in.EventTypes))
	}
	if in.Description != nil {
		u.SetDescription(strings.TrimSpace(*in.Description))
	}
	if in.CommunityID != nil {
		if !v.IsAdmin() {
			if *in.CommunityID != v.CommunityID {
				return nil, apperr.New(apperr.CodeForbidden, "staff register endpoints for their own community only")
			}
		} else {
			ok, err := c.Region.Query().Where(region.ID(*in.CommunityID), region.LevelEQ(region.LevelCommunity)).Exist(rule.SystemContext(ctx))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, apperr.Invalid("communityID", "no such community", "没有这个社区")
			}
			u.SetCommunityID(*in.CommunityID)
		}
	}
	if in.Enabled != nil {
		switch {
		case *in.Enabled && !ep.Enabled:
			u.SetEnabled(true).SetDisabledReason("").ClearDisabledAt().SetConsecutiveFailures(0).ClearFailingSince()
		case !*in.Enabled && ep.Enabled:
			u.SetEnabled(false).SetDisabledAt(time.Now()).SetDisabledReason("disabled by its owner")
		}
	}
	return u.Save(rule.SystemContext(ctx))
}

// Rotate gives the endpoint a new secret, returned this once; the old one
// keeps signing beside it for RotationOverlap.
func (e Endpoints) Rotate(ctx context.Context, c *gen.Client, id int) (*gen.WebhookEndpoint, string, error) {
	ep, err := e.Get(ctx, c, id)
	if err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	ep, err = c.WebhookEndpoint.UpdateOne(ep).SetPreviousSecret(ep.Secret).
		SetPreviousSecretUntil(time.Now().Add(RotationOverlap)).SetSecret(secret).Save(rule.SystemContext(ctx))
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// Delete removes the endpoint and its deliveries; its queued jobs find
// nothing to send.
func (e Endpoints) Delete(ctx context.Context, c *gen.Client, id int) error {
	ep, err := e.Get(ctx, c, id)
	if err != nil {
		return err
	}
	sys := rule.SystemContext(ctx)
	if _, err := c.WebhookDelivery.Delete().Where(webhookdelivery.EndpointID(ep.ID)).Exec(sys); err != nil {
		return err
	}
	return c.WebhookEndpoint.DeleteOne(ep).Exec(sys)
}

// List returns the endpoints the caller may read, oldest first.
func (e Endpoints) List(ctx context.Context, c *gen.Client) ([]*gen.WebhookEndpoint, error) {
	if _, err := manager(ctx); err != nil {
		return nil, err
	}
	return c.WebhookEndpoint.Query().Order(webhookendpoint.ByID()).All(ctx)
}

// Deliveries lists an endpoint's deliveries, newest first: at most first
// (default 20, at most MaxDeliveriesPage), of one state if given.
func Deliveries(ctx context.Context, ep *gen.WebhookEndpoint, first *int, state *string) ([]*gen.WebhookDelivery, error) {
	n := 20
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxDeliveriesPage {
		return nil, &apperr.Error{Code: apperr.CodePageSize, Field: "first",
			Message: fmt.Sprintf("first must be between 0 and %d", MaxDeliveriesPage)}
	}
	q := ep.QueryDeliveries().Order(webhookdelivery.ByID(sql.OrderDesc())).Limit(n)
	if state != nil {
		s := webhookdelivery.State(strings.ToLower(*state))
		if err := webhookdelivery.StateValidator(s); err != nil {
			return nil, apperr.Invalid("state", "unknown state", "未知的状态")
		}
		q.Where(webhookdelivery.StateEQ(s))
	}
	return q.All(ctx)
}
