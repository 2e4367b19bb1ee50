// Package config loads a Workers project's wrangler.json, wrangler.jsonc or
// wrangler.toml into a Config, applying an [env.NAME] section with
// wrangler's inheritance rules and reading local secrets from .dev.vars or
// .env files.
//
// Broken configuration is an error that names the file and the field (for
// example "wrangler.toml: kv_namespaces[1].binding: expected a string,
// found a number (42)"); fields Outpost ignores or cannot honour yet are
// warnings, so a project that works with wrangler still starts.
package config
