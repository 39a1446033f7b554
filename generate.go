package main

// The ent client and its GraphQL schema first; gqlgen binds to both.
//go:generate go run ./scripts/entgen
//go:generate go tool gqlgen generate
