package bundle

import "github.com/outpost-dev/outpost/internal/config"

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
	}
}
