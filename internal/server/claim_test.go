package server_test

import (
	"context"
	"testing"

	"lifecircle/ent/organization"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

// The volunteer who claims a request sees, in claimRequest's own answer,
// what the claim entitles them to: the address and the requester's phone.
func TestClaimAnswerShowsWhatTheClaimReveals(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		_, wtx := s.Community(t, "文亭巷社区")
		_, resident := newPerson(t, s, wtx, "resident", "求助居民") // phone 13900000000
		staff := s.Token(t, "staff", wtx)
		vol := volunteer(t, s, wtx, "接单志愿者")
		team, err := s.Store.Client.Organization.Query().
			Where(organization.RegionID(wtx), organization.KindEQ(organization.KindVolunteerTeam)).FirstID(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		var sub struct {
			SubmitRequest struct{ Request struct{ ID string } }
		}
		s.Query(t, resident, `mutation { submitRequest(input: {kind: SERVICE_NEED, title: "买菜", address: "文亭巷小区5号楼"}) { request { id } } }`, nil).Decode(t, &sub)
		id := sub.SubmitRequest.Request.ID
		s.Query(t, staff, `mutation($id: ID!, $org: ID!) { dispatchRequest(id: $id, organizationID: $org) { id } }`,
			map[string]any{"id": id, "org": gid.Encode(team)}).Decode(t, &struct{}{})

		const fields = `status address requester { name phone }`
		type answer struct {
			Status    string
			Address   *string
			Requester struct {
				Name  string
				Phone *string
			}
		}
		var before struct{ Node answer }
		s.Query(t, vol, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { `+fields+` } } }`, map[string]any{"id": id}).Decode(t, &before)
		if before.Node.Address != nil || before.Node.Requester.Phone != nil {
			t.Fatalf("before claiming, the volunteer sees %+v", before.Node)
		}
		var claimed struct{ ClaimRequest answer }
		r := s.Query(t, vol, `mutation($id: ID!) { claimRequest(id: $id) { `+fields+` } }`, map[string]any{"id": id})
		r.Decode(t, &claimed)
		c := claimed.ClaimRequest
		if c.Status != "CLAIMED" || c.Address == nil || *c.Address != "文亭巷小区5号楼" || c.Requester.Phone == nil || *c.Requester.Phone != "13900000000" {
			t.Errorf("claimRequest's answer: want the address and the phone, got %s", r.Raw)
		}
		var after struct{ Node answer }
		s.Query(t, vol, `query($id: ID!) { node(id: $id) { ... on ServiceRequest { `+fields+` } } }`, map[string]any{"id": id}).Decode(t, &after)
		if after.Node.Address == nil || after.Node.Requester.Phone == nil {
			t.Errorf("after claiming: %+v", after.Node)
		}
	})
}
