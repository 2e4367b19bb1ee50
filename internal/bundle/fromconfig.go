package bundle

import (
	"slices"

	"github.com/outpost-dev/outpost/internal/config"
)

// FromConfig returns the build options a loaded configuration asks for.
func FromConfig(c *config.Config) Options {
	return Options{
		Entry:          c.Main,
		Dir:            c.Dir,
		Define:         c.Define,
		Alias:          c.Alias,
		Rules:          c.Rules,
		NodeCompat:     c.NodeCompat(),
		NodeModuleFlag: c.NodeModuleFlag,
		NodeHTTPServer: c.NodeHTTPServer(),
		Minify:         c.Minify,
		KeepNames:      c.KeepNames,
		JSXFactory:     c.JSXFactory,
		JSXFragment:    c.JSXFragment,
		TSConfig:       c.TSConfig,
		// No compatibility date turns the new module registry on.
		NewModuleRegistry: slices.Contains(c.CompatibilityFlags, "new_module_registry") &&
			!slices.Contains(c.CompatibilityFlags, "legacy_module_registry"),
	}
}
