package opendata

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/ent/publication"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/webasset"
)

// A Version identifies the public data as it is: the latest entry of the
// change log about a public record. Every write of a public record appends
// one, deletions included, so the sequence only grows, and so does the
// entry's time: unlike the newest updated_at of the rows left, neither goes
// back when a record is deleted.
type Version struct {
	Seq int       // the change log's ID; 0 before any change
	At  time.Time // when that change happened
	// Extra names whatever else a download shows (the latest publication,
	// for the catalogue).
	Extra string
}

// CurrentVersion reads the version of the public data: one indexed query,
// whatever the size of the data. Changes of internal records (the needs
// list, people) are not counted, so the validators of public downloads say
// nothing about them.
func CurrentVersion(ctx context.Context, client *ent.Client) (Version, error) {
	c, err := client.Change.Query().Where(change.EntityIn(feedEntities...)).
		Order(ent.Desc(change.FieldID)).Select(change.FieldID, change.FieldAt).First(rule.SystemContext(ctx))
	switch {
	case ent.IsNotFound(err):
		return Version{}, nil
	case err != nil:
		return Version{}, fmt.Errorf("opendata: version: %w", err)
	}
	return Version{Seq: c.ID, At: c.At}, nil
}

// catalogueVersion is CurrentVersion with the latest publication, which
// the catalogue lists too.
func catalogueVersion(ctx context.Context, client *ent.Client) (Version, error) {
	v, err := CurrentVersion(ctx, client)
	if err != nil {
		return v, err
	}
	p, err := client.Publication.Query().Order(ent.Desc(publication.FieldID)).
		Select(publication.FieldID, publication.FieldPublishedAt).First(ctx)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return v, fmt.Errorf("opendata: version: %w", err)
	default:
		v.Extra = "pub" + strconv.Itoa(p.ID)
		if p.PublishedAt.After(v.At) {
			v.At = p.PublishedAt
		}
	}
	return v, nil
}

// settle is how long after the second a change happened in its time is
// first served as Last-Modified. HTTP dates count whole seconds: a copy
// fetched within the second of a change could not be told from one with a
// second change of that same second, so until the second is over (with a
// second more for transactions still committing) no Last-Modified is sent
// and clients revalidate by ETag or download again.
const settle = 2 * time.Second

// conditional sets the ETag and Last-Modified of a download of version v
// and answers a conditional GET that matches with 304, reporting whether it
// did. variant tells apart the representations of the data (format, query).
// weak is for downloads that also show live figures the change log does
// not version (an activity's registered count): equivalent, not identical,
// from one figure to the next.
func conditional(w http.ResponseWriter, r *http.Request, v Version, variant string, weak bool) bool {
	sum := sha256.Sum256([]byte(v.Extra + "|" + variant))
	etag := `"v` + strconv.Itoa(v.Seq) + "-" + base64.RawURLEncoding.EncodeToString(sum[:9]) + `"`
	if weak {
		etag = "W/" + etag
	}
	w.Header().Set("ETag", etag)
	var modified time.Time
	if !v.At.IsZero() && time.Since(v.At.Truncate(time.Second)) >= settle {
		modified = v.At.Truncate(time.Second)
		w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		// If-None-Match takes precedence; it compares weakly (RFC 9110 13.1.2).
		if !webasset.ETagMatches(inm, etag) {
			return false
		}
	} else if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err != nil || modified.IsZero() || modified.After(ims) {
		return false
	}
	w.WriteHeader(http.StatusNotModified)
	return true
}

// versioned answers a conditional GET of a download from the version of
// the public data, and otherwise leaves the response to the caller; it
// reports whether it answered (304 or an error).
func versioned(w http.ResponseWriter, r *http.Request, client *ent.Client, variant string, weak bool) bool {
	v, err := CurrentVersion(r.Context(), client)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err)
		return true
	}
	return conditional(w, r, v, variant, weak)
}
