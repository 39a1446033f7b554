package openinghours

import "testing"

func TestFormat(t *testing.T) {
	cases := []struct{ raw, hans, hant, en string }{
		{"Mo-Su 11:30-13:00,17:30-19:00", "周一至周日 11:30–13:00、17:30–19:00", "週一至週日 11:30–13:00、17:30–19:00", "Mon–Sun 11:30–13:00, 17:30–19:00"},
		{"Mo-Fr 08:30-12:00,14:30-18:00; Sa 09:00-12:00", "周一至周五 08:30–12:00、14:30–18:00；周六 09:00–12:00",
			"週一至週五 08:30–12:00、14:30–18:00；週六 09:00–12:00", "Mon–Fri 08:30–12:00, 14:30–18:00; Sat 09:00–12:00"},
		{"24/7", "全天开放", "全天開放", "Open 24/7"},
		// Sunday off is left out; a later rule overrides an earlier one.
		{"Mo-Su 06:30-20:00; Su off", "周一至周六 06:30–20:00", "週一至週六 06:30–20:00", "Mon–Sat 06:30–20:00"},
		// Days with the same hours are named together; two days are a list, not a range.
		{"Mo,We 09:00-11:00; Sa,Su 00:00-24:00", "周一、周三 09:00–11:00；周六、周日 00:00–24:00", "週一、週三 09:00–11:00；週六、週日 00:00–24:00", "Mon, Wed 09:00–11:00; Sat, Sun 00:00–24:00"},
		{"Mo-Fr 09:00-17:00; We 09:00-12:00", "周一、周二、周四、周五 09:00–17:00；周三 09:00–12:00",
			"週一、週二、週四、週五 09:00–17:00；週三 09:00–12:00", "Mon, Tue, Thu, Fri 09:00–17:00; Wed 09:00–12:00"},
		// A wrapping range reads Monday first.
		{"Sa-Mo 10:00-11:00", "周一、周六、周日 10:00–11:00", "週一、週六、週日 10:00–11:00", "Mon, Sat, Sun 10:00–11:00"},
		{"Mo-Su off", "", "", ""},
	}
	for _, c := range cases {
		for lang, want := range map[string]string{"zh-Hans": c.hans, "zh-Hant": c.hant, "en": c.en} {
			if got := Format(c.raw, lang); got != want {
				t.Errorf("Format(%q, %s) = %q, want %q", c.raw, lang, got, want)
			}
		}
	}
	if got := Format("Mo-Fr 09:00-17:00", "ug"); got != "周一至周五 09:00–17:00" {
		t.Errorf("a language Format does not know falls back to Simplified Chinese: %q", got)
	}
	if got := Format("by appointment", "en"); got != "by appointment" {
		t.Errorf("text that does not parse is returned as it is: %q", got)
	}
}
