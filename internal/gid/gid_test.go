package gid

import (
	"encoding/base64"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, id := range []int{1, 42, 4294967297, 38654705665} {
		s := Encode(id)
		got, err := Decode(s)
		if err != nil || got != id {
			t.Errorf("Decode(Encode(%d)) = %d, %v", id, got, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, bad := range []string{"", "42", "bGM6", "bGM6LTE", "Zm9vOjE", "!!!", Encode(0),
		b64("lc:042"), b64("lc:+42"), b64("lc: 42"), "bGM6NDJ"} { // "bGM6NDI" with stray bits: also "lc:42" {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q): want an error", bad)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
