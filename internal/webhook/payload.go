package webhook

import (
	"context"
	"encoding/json"
	"time"

	gen "lifecircle/ent"
	"lifecircle/ent/webhookendpoint"
	"lifecircle/internal/auth"
	"lifecircle/internal/gid"
	"lifecircle/internal/workflow"
)

// Owner is the viewer an endpoint acts as: its payloads hold what that
// viewer may read, no more.
func Owner(ep *gen.WebhookEndpoint) auth.Viewer {
	if ep.OwnerRole == webhookendpoint.OwnerRoleStaff && ep.OwnerCommunityID != nil {
		return auth.Viewer{Role: auth.RoleStaff, CommunityID: *ep.OwnerCommunityID}
	}
	if ep.OwnerRole == webhookendpoint.OwnerRoleAdmin {
		return auth.Viewer{Role: auth.RoleAdmin}
	}
	return auth.Viewer{} // the public: reads nothing private
}

// message is the body of a webhook (Standard Webhooks: type, timestamp,
// data).
type message struct {
	Type      string         `json:"type"`
	Timestamp string         `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// payload builds the body of delivery d: the record as it is now, read
// through ent privacy as the endpoint's owner. ok is false when the owner
// can no longer read the record (and the event is not a deletion).
func (s *Service) payload(ctx context.Context, d *gen.WebhookDelivery, ep *gen.WebhookEndpoint) ([]byte, bool, error) {
	v := Owner(ep)
	vctx := auth.NewContext(ctx, v)
	data, ok, err := s.data(vctx, v, d)
	if err != nil || !ok {
		return nil, ok, err
	}
	if len(d.Detail) > 0 {
		data["change"] = d.Detail
	}
	b, err := json.Marshal(message{Type: d.EventType, Timestamp: d.OccurredAt.UTC().Format(time.RFC3339Nano), Data: data})
	return b, err == nil, err
}

func (s *Service) data(ctx context.Context, v auth.Viewer, d *gen.WebhookDelivery) (map[string]any, bool, error) {
	id := d.EntityID
	if d.EventType == FacilityDeleted || d.EventType == ActivityDeleted {
		return map[string]any{"id": gid.Encode(id), "deleted": true}, true, nil
	}
	c := s.client
	var (
		out map[string]any
		err error
	)
	switch d.Entity {
	case entityFacility:
		var f *gen.Facility
		if f, err = c.Facility.Get(ctx, id); err == nil {
			out = map[string]any{"id": gid.Encode(f.ID), "name": f.Name, "category": f.Category, "status": f.Status,
				"address": f.Address, "phone": f.Phone, "openingHours": f.OpeningHours,
				"community": gid.Encode(f.CommunityID), "updatedAt": f.UpdatedAt}
		}
	case entityActivity:
		var a *gen.Activity
		if a, err = c.Activity.Get(ctx, id); err == nil {
			out = map[string]any{"id": gid.Encode(a.ID), "title": a.Title, "category": a.Category, "status": a.Status,
				"startsAt": a.StartsAt, "endsAt": a.EndsAt, "capacity": a.Capacity, "registeredCount": a.RegisteredCount,
				"community": gid.Encode(a.CommunityID), "venue": ref(a.VenueID), "updatedAt": a.UpdatedAt}
		}
	case entityServiceRequest:
		var r *gen.ServiceRequest
		if r, err = c.ServiceRequest.Get(ctx, id); err == nil {
			out = map[string]any{"id": gid.Encode(r.ID), "kind": r.Kind, "title": r.Title, "category": r.Category,
				"status": r.Status, "community": gid.Encode(r.CommunityID), "submittedAt": r.SubmittedAt,
				"dispatchedAt": r.DispatchedAt, "claimedAt": r.ClaimedAt, "resolvedAt": r.ResolvedAt,
				"dispatchedTo": ref(r.DispatchedToID), "claimedBy": ref(r.ClaimedByID), "version": r.Version}
			if r.Address != "" && workflow.CanSeeAddress(v, r) {
				out["address"] = r.Address
			}
			if out["requester"], err = s.person(ctx, v, r.RequesterID); err != nil {
				return nil, false, err
			}
		}
	case entityRegistration:
		var r *gen.Registration
		if r, err = c.Registration.Get(ctx, id); err == nil {
			out = map[string]any{"id": gid.Encode(r.ID), "status": r.Status, "activity": gid.Encode(r.ActivityID),
				"community": gid.Encode(r.CommunityID), "createdAt": r.CreatedAt}
			if out["person"], err = s.person(ctx, v, r.PersonID); err != nil {
				return nil, false, err
			}
		}
	}
	switch {
	case gen.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return out, out != nil, nil
}

// person is the person as v may read them: nil when v may not read the
// person at all; the phone only when v may see it.
func (s *Service) person(ctx context.Context, v auth.Viewer, id *int) (map[string]any, error) {
	if id == nil {
		return nil, nil
	}
	p, err := s.client.Person.Get(ctx, *id)
	if gen.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]any{"id": gid.Encode(p.ID), "name": p.Name}
	ok, err := workflow.CanSeePhone(ctx, s.client, v, p)
	if err != nil {
		return nil, err
	}
	if ok && p.Phone != "" {
		out["phone"] = p.Phone
	}
	return out, nil
}

func ref(id *int) any {
	if id == nil {
		return nil
	}
	return gid.Encode(*id)
}
