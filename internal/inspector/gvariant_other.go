//go:build !linux

package inspector

// Remote inspection is wired for WebKitGTK's JavaScriptCore only
// (jsc.EnableInspector fails elsewhere, so no engine ever connects): the
// parameters have no encoding on this platform.

func encodeID(id uint64) []byte                   { return nil }
func encodeIDString(id uint64, s string) []byte   { return nil }
func decodeIDString(data []byte) (uint64, string) { return 0, "" }
func decodeTargets(data []byte) []Target          { return nil }
