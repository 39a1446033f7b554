package gid

import "testing"

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
	for _, bad := range []string{"", "42", "bGM6", "bGM6LTE", "Zm9vOjE", "!!!", Encode(0)} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q): want an error", bad)
		}
	}
}
