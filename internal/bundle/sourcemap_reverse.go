package bundle

import "slices"

// Generated finds where line (1-based) of source begins in the bundle, for
// a breakpoint set in the source: the first mapping of that line, or of
// the next line with code within a few lines when it has none (a comment,
// a blank line, a type). It returns the bundle's line and column (1-based)
// and the source line actually used.
func (m *SourceMap) Generated(source string, line int) (genLine, genCol, srcLine int, ok bool) {
	if m == nil {
		return 0, 0, 0, false
	}
	src := slices.Index(m.Sources, source)
	if src < 0 {
		return 0, 0, 0, false
	}
	const lookAhead = 20
	best := -1
	for gl, segs := range m.lines {
		for _, s := range segs {
			if s.src != src || s.srcLine+1 < line || s.srcLine+1 > line+lookAhead {
				continue
			}
			sl := s.srcLine + 1
			if best < 0 || sl < srcLine || (sl == srcLine && (gl+1 < genLine || (gl+1 == genLine && s.genCol+1 < genCol))) {
				best, srcLine, genLine, genCol = src, sl, gl+1, s.genCol+1
			}
		}
	}
	return genLine, genCol, srcLine, best >= 0
}
