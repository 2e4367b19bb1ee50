package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// [limits] subrequests caps fetch() per invocation, counted across awaits
// and timers, and separately for requests that run at the same time.
func TestSubrequestLimit(t *testing.T) {
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") }))
	defer o.Close()
	p := outposttest.Dev(t, project("subrequests"))
	if _, body := p.Get("/?n=5&url=" + o.URL); body != `{"ok":3,"error":"Error: Too many subrequests."}` {
		t.Errorf("over the limit: %s", body)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body := p.Get("/?n=3&url=" + o.URL); body != `{"ok":3}` {
				t.Errorf("concurrent requests within the limit: %s", body)
			}
		}()
	}
	wg.Wait()
}
