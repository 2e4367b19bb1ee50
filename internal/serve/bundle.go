package serve

import "github.com/outpost-dev/outpost/internal/platform"

// A deployed version is a platform bundle; these names keep the admin
// API's and the stores' vocabulary.
type (
	Bundle         = platform.Bundle
	KVBinding      = platform.KVBinding
	ServiceBinding = platform.ServiceBinding
)

// MaxBundleSize caps an uploaded bundle.
const MaxBundleSize = platform.MaxBundleSize
