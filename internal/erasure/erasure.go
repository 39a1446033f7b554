// Package erasure erases a person's personal data on request (PIPL art. 47):
// the person, or staff of their community, or an admin, asks; one
// transaction then
//   - erases the person's personal fields (the name becomes Marker; phone,
//     birth year and roles are cleared) and deactivates them;
//   - detaches their requests (as requester and as claimer) and
//     registrations (the reference becomes NULL), erasing the free text of
//     the requests they made (title, description, address, resolution
//     note, reject reason) and the compound, and the notes of those
//     requests' history; events they took part in no longer name them;
//   - revokes their tokens (renamed to Marker) and forgets the idempotency
//     keys of those tokens and of the records they created;
//   - detaches the personal-data reading log from them, as the person read
//     and as the reader;
//   - for the working systems of issue #13: detaches their appointments
//     (erasing the notes) and the history entries they acted in, the
//     visits logged about them (erasing the household and the findings)
//     and those they made as the visitor, and the need matches they made
//     (by person or token); deletes their grid assignments;
//   - records who erased whom, and when (the Erasure table), without
//     personal data.
//
// What stays, detached: each request's community, kind, category, status,
// dates, satisfaction and version, and each registration's activity,
// community and status — everything the statistics count — so published
// statistics (immutable) and the live counts stay as they were.
//
// Erasing an erased person changes nothing and records nothing more.
package erasure

import (
	"context"
	"fmt"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/apitoken"
	"lifecircle/ent/erasure"
	"lifecircle/ent/idempotencykey"
	"lifecircle/ent/identity"
	"lifecircle/ent/needmatch"
	"lifecircle/ent/personaldataaccess"
	"lifecircle/ent/registration"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/signincode"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/grids"
	"lifecircle/internal/onewindow"
)

// Marker replaces an erased person's name, an erased request's title and
// the names of the erased person's tokens.
const Marker = "[erased 已删除]"

// IsErased reports whether p's personal data was erased.
func IsErased(p *ent.Person) bool {
	return p.Name == Marker && p.DeactivatedAt != nil && p.Phone == "" && p.BirthYear == nil
}

// Allowed reports whether v may erase the data of a person of community:
// the person themselves, staff of that community, admins.
func Allowed(v auth.Viewer, personID, community int) bool {
	return v.ActsFor(personID, community)
}

// Erase erases the personal data of person id for the viewer of ctx.
// client is the transaction's client: everything is written in it, or
// nothing. A person the viewer may not erase is NOT_FOUND if they cannot
// see them, FORBIDDEN otherwise.
func Erase(ctx context.Context, client *ent.Client, id int) (*ent.Person, error) {
	v := auth.FromContext(ctx)
	er := rule.ErasureContext(ctx)
	p, err := client.Person.Get(er, id)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, apperr.New(apperr.CodeNotFound, "no such person")
		}
		return nil, err
	}
	if !Allowed(v, p.ID, p.CommunityID) {
		if _, err := client.Person.Get(ctx, id); ent.IsNotFound(err) {
			return nil, apperr.New(apperr.CodeNotFound, "no such person")
		}
		return nil, apperr.New(apperr.CodeForbidden, "only the person, staff of their community or an admin may erase their data")
	}
	done, err := client.Erasure.Query().Where(erasure.PersonID(id)).Exist(er)
	if err != nil || done {
		return p, err
	}
	if err := erase(er, client, p); err != nil {
		return nil, fmt.Errorf("erasure: %w", err)
	}
	rec := client.Erasure.Create().SetPersonID(id).SetActorRole(string(v.Role))
	if v.TokenID != 0 {
		rec.SetActorTokenID(v.TokenID)
	}
	if v.PersonID != 0 {
		rec.SetActorPersonID(v.PersonID)
	}
	if v.CommunityID != 0 {
		rec.SetActorCommunityID(v.CommunityID)
	}
	if err := rec.Exec(er); err != nil {
		return nil, fmt.Errorf("erasure: record: %w", err)
	}
	return client.Person.Get(er, id)
}

// erase does the writes; ctx is the erasure context.
func erase(ctx context.Context, client *ent.Client, p *ent.Person) error {
	id := p.ID
	// Team and party memberships go too: party membership is sensitive.
	u := client.Person.UpdateOneID(id).SetName(Marker).ClearPhone().ClearBirthYear().ClearRoles().ClearTeams()
	if p.DeactivatedAt == nil {
		u.SetDeactivatedAt(time.Now())
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("person: %w", err)
	}

	own, err := client.ServiceRequest.Query().Where(servicerequest.RequesterID(id)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(own) > 0 {
		if err := client.ServiceRequest.Update().Where(servicerequest.IDIn(own...)).
			ClearRequesterID().SetTitle(Marker).ClearDescription().ClearAddress().
			ClearResolutionNote().ClearRejectReason().ClearCompoundID().Exec(ctx); err != nil {
			return fmt.Errorf("requests: %w", err)
		}
		if err := client.RequestEvent.Update().Where(requestevent.RequestIDIn(own...), requestevent.NoteNEQ("")).
			ClearNote().Exec(ctx); err != nil {
			return fmt.Errorf("request history: %w", err)
		}
		// Staff's notes on matching these needs to resources and projects
		// (internal/cobuild) may describe the person too.
		if err := client.NeedMatch.Update().Where(needmatch.RequestIDIn(own...)).ClearNote().Exec(ctx); err != nil {
			return fmt.Errorf("need matches: %w", err)
		}
	}
	if err := client.ServiceRequest.Update().Where(servicerequest.ClaimedByID(id)).ClearClaimedByID().Exec(ctx); err != nil {
		return fmt.Errorf("claimed requests: %w", err)
	}
	if err := client.RequestEvent.Update().Where(requestevent.ActorID(id)).ClearActorID().Exec(ctx); err != nil {
		return fmt.Errorf("request history: %w", err)
	}

	regs, err := client.Registration.Query().Where(registration.PersonID(id)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(regs) > 0 {
		if err := client.Registration.Update().Where(registration.IDIn(regs...)).ClearPersonID().Exec(ctx); err != nil {
			return fmt.Errorf("registrations: %w", err)
		}
	}

	if err := onewindow.Erase(ctx, client, id); err != nil {
		return fmt.Errorf("appointments: %w", err)
	}

	tokens, err := client.APIToken.Query().Where(apitoken.PersonID(id)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(tokens) > 0 {
		if err := client.APIToken.Update().Where(apitoken.IDIn(tokens...)).SetRevoked(true).SetName(Marker).Exec(ctx); err != nil {
			return fmt.Errorf("tokens: %w", err)
		}
	}
	// Matches of needs to resources and projects (internal/cobuild) no
	// longer say that the person made them, by person or by their token;
	// the match itself stays.
	if err := client.NeedMatch.Update().Where(needmatch.MatchedByPersonID(id)).ClearMatchedByPersonID().Exec(ctx); err != nil {
		return fmt.Errorf("need matches: %w", err)
	}
	if len(tokens) > 0 {
		if err := client.NeedMatch.Update().Where(needmatch.MatchedByTokenIDIn(tokens...)).ClearMatchedByTokenID().Exec(ctx); err != nil {
			return fmt.Errorf("need matches: %w", err)
		}
	}
	// The identity-provider subjects linked to the person identify them
	// at the provider: the links are deleted (a later sign-in with that
	// subject is IDENTITY_NOT_LINKED), and so are unused sign-in codes.
	idents, err := client.Identity.Query().Where(identity.PersonID(id)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(idents) > 0 {
		if _, err := client.Identity.Delete().Where(identity.IDIn(idents...)).Exec(ctx); err != nil {
			return fmt.Errorf("identities: %w", err)
		}
	}
	if _, err := client.SignInCode.Delete().Where(signincode.PersonID(id)).Exec(ctx); err != nil {
		return fmt.Errorf("sign-in codes: %w", err)
	}
	// Idempotency keys remember a hash of the arguments of a create (the
	// request's text, the address): those sent with the person's tokens,
	// and those of the records made for them. A retry of one afterwards
	// is a new create, refused: the tokens are revoked and the person is
	// deactivated.
	scopes := make([]string, 0, len(tokens)+len(idents))
	for _, t := range tokens {
		scopes = append(scopes, auth.Viewer{TokenID: t}.ClientKey())
	}
	for _, i := range idents {
		scopes = append(scopes, auth.Viewer{IdentityID: i}.ClientKey())
	}
	results := append(append([]int{}, own...), regs...)
	if len(scopes)+len(results) > 0 {
		if _, err := client.IdempotencyKey.Delete().Where(idempotencykey.Or(
			idempotencykey.ScopeIn(scopes...), idempotencykey.ResultIDIn(results...))).Exec(ctx); err != nil {
			return fmt.Errorf("idempotency keys: %w", err)
		}
	}

	if err := grids.Erase(ctx, client, id); err != nil {
		return err
	}
	if err := client.PersonalDataAccess.Update().Where(personaldataaccess.SubjectID(id)).ClearSubjectID().Exec(ctx); err != nil {
		return fmt.Errorf("reading log: %w", err)
	}
	if err := client.PersonalDataAccess.Update().Where(personaldataaccess.ViewerPersonID(id)).ClearViewerPersonID().Exec(ctx); err != nil {
		return fmt.Errorf("reading log: %w", err)
	}
	return nil
}
