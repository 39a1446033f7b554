// Package i18n holds the languages lifecircle publishes names in and the
// translated-name value stored with facilities.
package i18n

import (
	"fmt"
	"slices"
)

// Languages are the BCP 47 tags a translation may carry: Simplified and
// Traditional Chinese, English, and room for Uyghur, Tibetan and Kazakh, the
// languages of the multi-ethnic seed communities.
var Languages = []string{"zh-Hans", "zh-Hant", "en", "ug", "bo", "kk"}

// Default is the language of a record's primary name.
const Default = "zh-Hans"

// Text is a string in one language.
type Text struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

// Supported reports whether tag is one of Languages.
func Supported(tag string) bool { return slices.Contains(Languages, tag) }

// ValidateTexts checks that every tag is supported, appears once, and has a
// non-empty value of reasonable length.
func ValidateTexts(texts []Text) error {
	seen := make(map[string]bool, len(texts))
	for _, t := range texts {
		if !Supported(t.Lang) {
			return fmt.Errorf("unknown language tag %q (supported: %v)", t.Lang, Languages)
		}
		if seen[t.Lang] {
			return fmt.Errorf("language %q given twice", t.Lang)
		}
		seen[t.Lang] = true
		if t.Value == "" || len(t.Value) > 400 {
			return fmt.Errorf("name in %q must have 1 to 400 bytes", t.Lang)
		}
	}
	return nil
}

// Pick returns the value for lang, falling back to fallback when lang is
// missing.
func Pick(texts []Text, lang, fallback string) string {
	for _, t := range texts {
		if t.Lang == lang {
			return t.Value
		}
	}
	return fallback
}
