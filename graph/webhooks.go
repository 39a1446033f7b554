package graph

// nonEmpty is s, or nil (GraphQL null) when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
