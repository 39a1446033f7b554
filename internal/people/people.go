// Package people registers, changes, deactivates and imports the people of
// a community: staff at the one-window counter (全岗通) for their own
// community, admins anywhere, and a resident for their own phone number.
//
// Who may change whom is decided again at the data layer (rule.People);
// this package checks what the values mean (a known role, a team of the
// person's community, a plausible phone number) and says so in both
// languages, field by field.
package people

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"lifecircle/ent"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/inputs"
	"lifecircle/internal/personrole"
)

// Input is a new person.
type Input struct {
	Name      string
	Phone     *string
	BirthYear *int
	// Roles are the person's roles; none means resident.
	Roles []string
	// CommunityID is the person's community: staff may leave it out
	// (their own); admins must give it.
	CommunityID *int
	// TeamIDs are the volunteer teams and party organisations of the
	// community the person joins.
	TeamIDs []int
}

// Changes are changes to a person; nil leaves a field as it is.
type Changes struct {
	Name           *string
	Phone          *string
	ClearPhone     bool
	BirthYear      *int
	ClearBirthYear bool
	Roles          []string // nil: unchanged
	TeamIDs        []int    // nil: unchanged; empty: no team
}

// Create registers a person. client is the transaction's client; ctx
// carries the viewer, whose privacy rules apply to the write.
func Create(ctx context.Context, client *ent.Client, in Input) (*ent.Person, error) {
	community, err := communityOf(ctx, client, in.CommunityID)
	if err != nil {
		return nil, err
	}
	v, err := checkNew(in)
	if err != nil {
		return nil, err
	}
	if len(in.TeamIDs) > 0 {
		if err := checkTeams(ctx, client, community, in.TeamIDs, "teamIDs"); err != nil {
			return nil, err
		}
	}
	return write(ctx, client, community, v, in)
}

// write creates a person whose values are checked.
func write(ctx context.Context, client *ent.Client, community int, v checked, in Input) (*ent.Person, error) {
	c := client.Person.Create().SetCommunityID(community).SetName(v.name).SetRoles(v.roles).
		SetNillableBirthYear(in.BirthYear).AddTeamIDs(in.TeamIDs...)
	if v.phone != "" {
		c.SetPhone(v.phone)
	}
	return c.Save(ctx)
}

// checked are the values of a new person, normalised.
type checked struct {
	name, phone string
	roles       []string
}

// checkNew checks the values of a new person that need no database.
func checkNew(in Input) (checked, error) {
	var v checked
	var err error
	if v.name, err = Name(in.Name); err != nil {
		return v, err
	}
	if in.Phone != nil {
		if v.phone, err = Phone(*in.Phone); err != nil {
			return v, err
		}
	}
	if in.BirthYear != nil {
		if err := BirthYear(*in.BirthYear); err != nil {
			return v, err
		}
	}
	roles := in.Roles
	if len(roles) == 0 {
		roles = []string{"resident"}
	}
	if v.roles, err = personrole.Normalize(roles); err != nil {
		return v, err
	}
	return v, nil
}

// communityOf returns the community a new person joins: for staff their
// own (giving another is FORBIDDEN), for admins the one given, which must
// be a community.
func communityOf(ctx context.Context, client *ent.Client, id *int) (int, error) {
	v := auth.FromContext(ctx)
	switch {
	case v.IsStaff() && id == nil:
		return v.CommunityID, nil
	case v.IsStaff() && *id != v.CommunityID:
		return 0, apperr.New(apperr.CodeForbidden, "staff register the people of their own community only")
	case id == nil:
		return 0, apperr.Invalid("communityID", "say which community the person lives in", "请指明人员所在社区")
	}
	ok, err := client.Region.Query().Where(region.ID(*id), region.LevelEQ(region.LevelCommunity)).Exist(ctx)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.Invalid("communityID", "no such community", "没有该社区")
	}
	return *id, nil
}

// checkTeams refuses team IDs that are not volunteer teams or party
// organisations of community.
func checkTeams(ctx context.Context, client *ent.Client, community int, ids []int, field string) error {
	seen := map[int]bool{}
	for _, id := range ids {
		if seen[id] {
			return apperr.Invalid(field, "a team is given twice", "组织重复")
		}
		seen[id] = true
	}
	orgs, err := client.Organization.Query().Where(organization.IDIn(ids...), organization.RegionID(community)).All(rule.SystemContext(ctx))
	if err != nil {
		return err
	}
	if len(orgs) != len(ids) {
		return apperr.Invalid(field, "every team must be an organisation of the person's community",
			"所属组织必须是该人员所在社区的组织")
	}
	for _, o := range orgs {
		if !rule.IsTeam(o.Kind) {
			return apperr.Invalid(field,
				fmt.Sprintf("%s is a %s: only volunteer teams and party organisations have members", o.Name, o.Kind),
				fmt.Sprintf("%s 的类型为 %s：只有志愿服务队和党组织有成员", o.Name, o.Kind))
		}
	}
	return nil
}

// Update changes person id. Staff change the people of their own
// community; people they can see for another reason (registered for one
// of their activities) are FORBIDDEN, and people they cannot see at all
// NOT_FOUND.
func Update(ctx context.Context, client *ent.Client, id int, ch Changes) (*ent.Person, error) {
	p, err := get(ctx, client, id)
	if err != nil {
		return nil, err
	}
	u := client.Person.UpdateOneID(id)
	if ch.Name != nil {
		name, err := Name(*ch.Name)
		if err != nil {
			return nil, err
		}
		u.SetName(name)
	}
	switch {
	case ch.Phone != nil && ch.ClearPhone:
		return nil, apperr.Invalid("clearPhone", "give a phone number or clear it, not both", "不能同时设置和删除电话号码")
	case ch.Phone != nil:
		phone, err := Phone(*ch.Phone)
		if err != nil {
			return nil, err
		}
		u.SetPhone(phone)
	case ch.ClearPhone:
		u.ClearPhone()
	}
	switch {
	case ch.BirthYear != nil && ch.ClearBirthYear:
		return nil, apperr.Invalid("clearBirthYear", "give a year of birth or clear it, not both", "不能同时设置和删除出生年份")
	case ch.BirthYear != nil:
		if err := BirthYear(*ch.BirthYear); err != nil {
			return nil, err
		}
		u.SetBirthYear(*ch.BirthYear)
	case ch.ClearBirthYear:
		u.ClearBirthYear()
	}
	if ch.Roles != nil {
		roles, err := personrole.Normalize(ch.Roles)
		if err != nil {
			return nil, err
		}
		if len(roles) == 0 {
			return nil, apperr.Invalid("roles", "a person holds at least one role", "人员至少有一个角色")
		}
		u.SetRoles(roles)
	}
	if ch.TeamIDs != nil {
		if p.DeactivatedAt != nil && len(ch.TeamIDs) > 0 {
			return nil, apperr.Invalid("teamIDs", "a deactivated person joins no team: reactivate them first", "停用的人员不能加入组织：请先重新启用")
		}
		if len(ch.TeamIDs) > 0 {
			if err := checkTeams(ctx, client, p.CommunityID, ch.TeamIDs, "teamIDs"); err != nil {
				return nil, err
			}
		}
		u.ClearTeams().AddTeamIDs(ch.TeamIDs...)
	}
	return u.Save(ctx)
}

// get reads person id for a change by the viewer: a person staff can see
// but who lives in another community is FORBIDDEN.
func get(ctx context.Context, client *ent.Client, id int) (*ent.Person, error) {
	p, err := client.Person.Get(ctx, id) // privacy: unseen is NOT_FOUND
	if err != nil {
		return nil, err
	}
	if v := auth.FromContext(ctx); v.IsStaff() && p.CommunityID != v.CommunityID {
		return nil, apperr.New(apperr.CodeForbidden, "the person lives in another community: their staff change their record")
	}
	return p, nil
}

// SetActive deactivates (active false) or reactivates person id. A
// deactivated person keeps their history — requests, registrations,
// memberships — but their tokens are refused and nobody acts for them.
// Setting the state the person is already in changes nothing.
func SetActive(ctx context.Context, client *ent.Client, id int, active bool) (*ent.Person, error) {
	p, err := get(ctx, client, id)
	if err != nil {
		return nil, err
	}
	if (p.DeactivatedAt == nil) == active {
		return p, nil
	}
	u := client.Person.UpdateOneID(id)
	if active {
		u.ClearDeactivatedAt()
	} else {
		u.SetDeactivatedAt(time.Now())
	}
	return u.Save(ctx)
}

// UpdateContact changes the viewer's own phone number (nil removes it).
func UpdateContact(ctx context.Context, client *ent.Client, phone *string) (*ent.Person, error) {
	v := auth.FromContext(ctx)
	if !v.IsPerson() {
		return nil, apperr.New(apperr.CodeForbidden, "only a resident or volunteer changes their own contact details; staff use updatePerson")
	}
	u := client.Person.UpdateOneID(v.PersonID)
	if phone == nil {
		u.ClearPhone()
	} else {
		p, err := Phone(*phone)
		if err != nil {
			return nil, err
		}
		u.SetPhone(p)
	}
	return u.Save(ctx)
}

// Name checks and trims a person's name.
func Name(s string) (string, error) {
	s, err := inputs.Text(s)
	if err != nil || s == "" {
		return "", apperr.Invalid("name", "a name is required", "姓名不能为空")
	}
	if len(s) > 200 {
		return "", apperr.Invalid("name", "a name is at most 200 bytes", "姓名最长 200 字节")
	}
	return s, nil
}

// Phone checks a phone number: digits with an optional leading + and
// spaces or hyphens between them, 5 to 20 digits. It returns it trimmed;
// "" stays "" (no phone).
func Phone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-':
		default:
			return "", apperr.Invalid("phone", "a phone number holds digits, a leading + and spaces or hyphens only",
				"电话号码只能包含数字、开头的 + 以及空格或连字符")
		}
	}
	if digits < 5 || digits > 20 {
		return "", apperr.Invalid("phone", fmt.Sprintf("a phone number has 5 to 20 digits, got %d", digits),
			fmt.Sprintf("电话号码应有 5 至 20 位数字，实际 %d 位", digits))
	}
	return s, nil
}

// BirthYear checks a year of birth: 1900 to this year.
func BirthYear(y int) error {
	if now := time.Now().Year(); y < 1900 || y > now {
		return apperr.Invalid("birthYear", fmt.Sprintf("a year of birth is 1900 to %d, got %d", now, y),
			fmt.Sprintf("出生年份应在 1900 至 %d 之间，实际 %d", now, y))
	}
	return nil
}

// isBlank reports whether every cell of a CSV row is blank (spreadsheets
// write such rows at the end of a sheet).
func isBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, unicode.IsSpace) != "" {
			return false
		}
	}
	return true
}
