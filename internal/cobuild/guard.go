package cobuild

import (
	"context"
	"fmt"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/facility"
	"lifecircle/ent/organization"
	"lifecircle/ent/resource"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
)

// SameCommunity is the hook of every type of the three lists: whatever a
// record points at (provider, facility, project, resource, need) belongs
// to the record's own community, for admins as for staff. Together with
// the privacy rule that staff write only records of their own community,
// staff can neither read through nor attach to another community's data.
// The lookups run under the system context: a private need the caller
// cannot see is then refused as "not in this community" like a missing one.
func SameCommunity(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if err := checkRefs(ctx, m); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

// oldCommunity is a mutation that can tell the community of the record it
// changes.
type oldCommunity interface {
	CommunityID() (int, bool)
	OldCommunityID(context.Context) (int, error)
}

func community(ctx context.Context, m ent.Mutation) (int, bool, error) {
	cm, ok := m.(oldCommunity)
	if !ok {
		return 0, false, nil
	}
	if id, set := cm.CommunityID(); set {
		return id, true, nil
	}
	if !m.Op().Is(ent.OpUpdateOne) {
		return 0, false, nil
	}
	id, err := cm.OldCommunityID(ctx)
	return id, err == nil, err
}

type ref struct {
	field string
	in    func(ctx context.Context, c *gen.Client, community int) (bool, error)
}

func checkRefs(ctx context.Context, m ent.Mutation) error {
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		return nil
	}
	var refs []ref
	org := func(field string, id int) ref {
		return ref{field, func(ctx context.Context, c *gen.Client, comm int) (bool, error) {
			return c.Organization.Query().Where(organization.ID(id), organization.RegionID(comm)).Exist(ctx)
		}}
	}
	project := func(field string, id int) ref {
		return ref{field, func(ctx context.Context, c *gen.Client, comm int) (bool, error) {
			return c.CoBuildingProject.Query().Where(cobuildingproject.ID(id), cobuildingproject.CommunityID(comm)).Exist(ctx)
		}}
	}
	res := func(field string, id int) ref {
		return ref{field, func(ctx context.Context, c *gen.Client, comm int) (bool, error) {
			return c.Resource.Query().Where(resource.ID(id), resource.CommunityID(comm)).Exist(ctx)
		}}
	}
	var client *gen.Client
	switch m := m.(type) {
	case *gen.ResourceMutation:
		client = m.Client()
		if id, ok := m.ProviderID(); ok {
			refs = append(refs, org("providerID", id))
		}
		if id, ok := m.FacilityID(); ok {
			refs = append(refs, ref{"facilityID", func(ctx context.Context, c *gen.Client, comm int) (bool, error) {
				return c.Facility.Query().Where(facility.ID(id), facility.CommunityID(comm)).Exist(ctx)
			}})
		}
		if id, ok := m.ProjectID(); ok {
			refs = append(refs, project("projectID", id))
		}
		if m.Op().Is(ent.OpUpdate) && len(refs) > 0 {
			return apperr.Invalid("", "bulk updates of resource references are not supported", "不支持批量修改资源的关联")
		}
	case *gen.ResourceContactMutation:
		client = m.Client()
		if id, ok := m.ResourceID(); ok {
			refs = append(refs, res("resourceID", id))
		}
	case *gen.ProjectSigningMutation:
		client = m.Client()
		if id, ok := m.ProjectID(); ok {
			refs = append(refs, project("projectID", id))
		}
		if id, ok := m.OrganizationID(); ok {
			refs = append(refs, org("organizationID", id))
		}
	case *gen.ProjectUpdateMutation:
		client = m.Client()
		if id, ok := m.ProjectID(); ok {
			refs = append(refs, project("projectID", id))
		}
	case *gen.NeedMatchMutation:
		client = m.Client()
		if id, ok := m.RequestID(); ok {
			refs = append(refs, ref{"requestID", func(ctx context.Context, c *gen.Client, comm int) (bool, error) {
				return c.ServiceRequest.Query().Where(servicerequest.ID(id), servicerequest.CommunityID(comm)).Exist(ctx)
			}})
		}
		if id, ok := m.ResourceID(); ok {
			refs = append(refs, res("resourceID", id))
		}
		if id, ok := m.ProjectID(); ok {
			refs = append(refs, project("projectID", id))
		}
	}
	if len(refs) == 0 {
		return nil
	}
	comm, ok, err := community(ctx, m)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid("communityID", "the record's community is needed to check what it refers to", "需要记录所属社区才能检查其关联")
	}
	sys := rule.SystemContext(ctx)
	for _, r := range refs {
		in, err := r.in(sys, client, comm)
		if err != nil {
			return fmt.Errorf("cobuild: check %s: %w", r.field, err)
		}
		if !in {
			return apperr.Invalid(r.field, "the referenced record does not exist or belongs to another community",
				"所引用的记录不存在或属于其他社区")
		}
	}
	return nil
}
