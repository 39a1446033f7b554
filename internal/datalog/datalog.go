// Package datalog keeps the personal-data reading log (PIPL arts. 44–45
// accountability): every read of another person's personal fields by
// staff, a volunteer or an admin is recorded — who read (role, token,
// person, community), whose data, which fields, when and through which
// operation. A person's reads of their own data are not recorded.
//
// Reads through GraphQL are noted field by field in a Collector that lives
// as long as the request, and written at its end in one INSERT (one row per
// person read); downloads are recorded with Record.
package datalog

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"lifecircle/ent"
	"lifecircle/ent/personaldataaccess"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// The personal fields recorded, by their GraphQL names.
const (
	Name      = "name"
	Phone     = "phone"
	BirthYear = "birthYear"
	Address   = "address"
)

// Logged reports whether reads by v are recorded: staff, volunteers and
// admins. The public reads no personal data; a resident reads only their
// own.
func Logged(v auth.Viewer) bool {
	switch v.Role {
	case auth.RoleStaff, auth.RoleAdmin, auth.RoleVolunteer:
		return true
	}
	return false
}

// Collector gathers a request's reads: per person read, the fields.
type Collector struct {
	operation string
	mu        sync.Mutex
	fields    map[int][]string
	order     []int
}

type collectorKey struct{}

// WithCollector returns ctx carrying a new collector for an operation.
func WithCollector(ctx context.Context, operation string) (context.Context, *Collector) {
	c := &Collector{operation: operation, fields: map[int][]string{}}
	return context.WithValue(ctx, collectorKey{}, c), c
}

// From returns the collector of ctx, or nil.
func From(ctx context.Context) *Collector {
	c, _ := ctx.Value(collectorKey{}).(*Collector)
	return c
}

// Note records that field of person subject was read. Safe for
// concurrent resolvers.
func (c *Collector) Note(subject int, field string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, seen := c.fields[subject]
	if !seen {
		c.order = append(c.order, subject)
	}
	if !slices.Contains(f, field) {
		c.fields[subject] = append(f, field)
	}
}

// Flush writes what was noted for viewer v, in one INSERT, through client
// (under the system context), and empties the collector.
func (c *Collector) Flush(ctx context.Context, client *ent.Client, v auth.Viewer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rows := make([]Entry, 0, len(c.order))
	for _, s := range c.order {
		if s == v.PersonID {
			continue
		}
		rows = append(rows, Entry{Subject: s, Fields: c.fields[s], Operation: c.operation})
	}
	c.fields, c.order = map[int][]string{}, nil
	return Record(ctx, client, v, rows...)
}

// Entry is one person's fields read through one operation.
type Entry struct {
	Subject   int
	Fields    []string
	Operation string
}

// Record writes entries for viewer v, in one INSERT. Reads of v's own
// data and reads by viewers who are not Logged are not recorded.
func Record(ctx context.Context, client *ent.Client, v auth.Viewer, entries ...Entry) error {
	if !Logged(v) {
		return nil
	}
	bulk := make([]*ent.PersonalDataAccessCreate, 0, len(entries))
	for _, e := range entries {
		if e.Subject == 0 || e.Subject == v.PersonID || len(e.Fields) == 0 {
			continue
		}
		op := e.Operation
		if len(op) > 300 {
			op = op[:300]
		}
		c := client.PersonalDataAccess.Create().SetViewerRole(personaldataaccess.ViewerRole(v.Role)).
			SetSubjectID(e.Subject).SetFields(e.Fields).SetOperation(op)
		if v.TokenID != 0 {
			c.SetViewerTokenID(v.TokenID)
		}
		if v.PersonID != 0 {
			c.SetViewerPersonID(v.PersonID)
		}
		if v.CommunityID != 0 {
			c.SetViewerCommunityID(v.CommunityID)
		}
		bulk = append(bulk, c)
	}
	if len(bulk) == 0 {
		return nil
	}
	if err := client.PersonalDataAccess.CreateBulk(bulk...).Exec(rule.SystemContext(ctx)); err != nil {
		return fmt.Errorf("datalog: record reads: %w", err)
	}
	return nil
}
