package serve

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// zeros is an endless stream of '0' bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

func TestOversizeDeployIs413(t *testing.T) {
	s := newTestServer(t)
	admin := s.AdminHandler()
	for _, declared := range []bool{true, false} {
		body := io.LimitReader(io.MultiReader(strings.NewReader(`{"bundle":{"code":"`), zeros{}), MaxBundleSize+1024)
		req := httptest.NewRequest("POST", "/admin/workers/big/deployments", body)
		req.Header.Set("Authorization", "Bearer "+testToken)
		if declared {
			req.ContentLength = MaxBundleSize + 1024
		} else {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "larger than the limit") {
			t.Errorf("oversize deploy (length declared: %v) = %d %s", declared, rec.Code, rec.Body.String())
		}
	}
}
