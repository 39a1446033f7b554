package graph

import "testing"

// Every mutation field asks for a role, so none can open a transaction
// for a caller who may not run it.
func TestEveryMutationHasARole(t *testing.T) {
	roles := mutationRoles()
	for _, f := range parsedSchema.Mutation.Fields {
		// linkSignIn is for verified sign-ins that have no role yet:
		// linkGate checks its callers before any transaction.
		if _, ok := roles[f.Name]; !ok && f.Name != "linkSignIn" {
			t.Errorf("mutation %s has no @hasRole", f.Name)
		}
	}
	if len(roles) < 10 {
		t.Errorf("only %d mutation roles found", len(roles))
	}
}
