package workflow

import (
	"context"

	"lifecircle/ent"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// CanSeeAddress reports whether v may see where help is needed: staff of
// the community, the requester, and the volunteer who claimed it — a
// volunteer browsing requests to claim sees no address.
func CanSeeAddress(v auth.Viewer, r *ent.ServiceRequest) bool {
	switch {
	case v.Manages(r.CommunityID):
		return true
	case v.IsPerson() && r.RequesterID != nil && v.PersonID == *r.RequesterID:
		return true
	}
	return v.IsVolunteer() && r.ClaimedByID != nil && *r.ClaimedByID == v.PersonID
}

// CanSeePhone reports whether v may see a person's phone: staff of the
// community, the person, and a volunteer who claimed one of their requests.
//
// The claim is looked up through the transaction ctx carries, if any, not
// through client: the answer of claimRequest is resolved inside the
// mutation's transaction, before it commits, and only the transaction sees
// the claim it just made.
func CanSeePhone(ctx context.Context, client *ent.Client, v auth.Viewer, p *ent.Person) (bool, error) {
	switch {
	case v.ActsFor(p.ID, p.CommunityID):
		return true, nil
	case !v.IsVolunteer():
		return false, nil
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		client = tx.Client()
	}
	return client.ServiceRequest.Query().
		Where(servicerequest.RequesterID(p.ID), servicerequest.ClaimedByID(v.PersonID)).
		Exist(rule.SystemContext(ctx))
}
