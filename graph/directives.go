package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"lifecircle/graph/model"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
)

// hasRole implements @hasRole: an early, readable refusal. The ent privacy
// policies enforce the same rules again at the data layer.
func hasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	if err := roleError(auth.FromContext(ctx), role); err != nil {
		return nil, err
	}
	return next(ctx)
}

// roleError says why v may not use a field that needs role (nil: it may).
// The transactioner asks it too, before a mutation's transaction opens.
func roleError(v auth.Viewer, role model.Role) *apperr.Error {
	if v.Role == auth.RolePublic {
		return apperr.New(apperr.CodeUnauthenticated, "this field needs a token (Authorization: Bearer …)")
	}
	need := map[model.Role]auth.Role{
		model.RoleMember:    auth.RoleResident,
		model.RoleVolunteer: auth.RoleVolunteer,
		model.RoleStaff:     auth.RoleStaff,
		model.RoleAdmin:     auth.RoleAdmin,
	}[role]
	if !v.HasRole(need) {
		return apperr.New(apperr.CodeForbidden, "this field needs the %s role", role)
	}
	return nil
}

func viewerRole(v auth.Viewer) string {
	switch v.Role {
	case auth.RoleAdmin:
		return "ADMIN"
	case auth.RoleStaff:
		return "STAFF"
	case auth.RoleVolunteer:
		return "VOLUNTEER"
	case auth.RoleResident:
		return "RESIDENT"
	}
	return "PUBLIC"
}
