package runtime

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkTmpHTML(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<table>")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&sb, `<tr class="r"><td><a href="http://x.test/%d">row %d</a></td><td>text &amp; more</td></tr>`, i, i)
	}
	html := []byte(sb.String())
	for b.Loop() {
		rw, _ := newHTMLRewriter(htmlConfig{Selectors: []string{"nothing"}, Flags: []int{wantElement}})
		for i := 0; i < len(html); i += 65536 {
			rw.push(html[i:min(i+65536, len(html))])
			rw.take()
		}
		rw.finish()
	}
}
