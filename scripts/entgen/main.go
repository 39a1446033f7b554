// Command entgen generates the ent client under ent/ and the entgql schema
// under schema/ent.graphql. Run through go generate (see generate.go).
package main

import (
	"embed"
	"flag"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	bootstrap := flag.Bool("bootstrap", false, "generate without privacy policies and hooks (first run on an empty ent/)")
	flag.Parse()

	ex, err := entgql.NewExtension(
		// First: WithWhereInputs below adds to the template list this sets.
		entgql.WithTemplates(templates()...),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("schema/ent.graphql"),
		entgql.WithWhereInputs(true),
		entgql.WithNodeDescriptor(false),
		entgql.WithSchemaHook(describe),
	)
	if err != nil {
		log.Fatalf("entgen: creating entgql extension: %v", err)
	}
	opts := []entc.Option{entc.Extensions(ex)}
	if *bootstrap {
		opts = append(opts, entc.BuildTags("bootstrap"))
	}
	cfg := &gen.Config{
		Features: []gen.Feature{
			gen.FeaturePrivacy,
			gen.FeatureEntQL,
			gen.FeatureIntercept,
			gen.FeatureGlobalID,
			gen.FeatureNamedEdges,
			gen.FeatureLock,
			gen.FeatureUpsert,
			// client.Schema.NamedDiff: scripts/new-migration writes versioned
			// migrations (ent/migrate/migrations) from the schema with it.
			gen.FeatureVersionedMigration,
		},
	}
	if err := entc.Generate("./ent/schema", cfg, opts...); err != nil {
		log.Fatalf("entgen: running ent codegen: %v", err)
	}
}

// mutationInput is entgql's mutation_input.tmpl with one fix: an update
// input's appendX list is appended (entgql v0.7.0 appends the X list instead,
// so appendTags did nothing and tags+appendTags appended tags twice;
// ent/contrib#639). Remove it once entgql ships the fix.
//
//go:embed mutation_input.tmpl
var mutationInput embed.FS

// templates is entgql.AllTemplates with the mutation-input template replaced.
func templates() []*gen.Template {
	fixed := gen.MustParse(gen.NewTemplate("template/mutation_input.tmpl").
		Funcs(entgql.TemplateFuncs).
		ParseFS(mutationInput, "mutation_input.tmpl"))
	var out []*gen.Template
	for _, t := range entgql.AllTemplates {
		if t == entgql.MutationInputTemplate {
			t = fixed
		}
		out = append(out, t)
	}
	return out
}
