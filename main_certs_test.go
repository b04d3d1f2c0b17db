package main

import (
	"fmt"
	"html"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// certificatesVerify checks, on the running binary, that a demo
// certificate's page links to its signed verify address, that the public
// verify page and API answer without a login, and that `anpei certs
// verify` checks the same address offline with the keys in the data
// directory — and refuses it once a character of the token changes.
func certificatesVerify(t *testing.T, bin, base, data string) {
	a := signIn(t, base, "admin")
	var list struct {
		Items []struct {
			ID     uint   `json:"id"`
			Number string `json:"number"`
		} `json:"items"`
	}
	a.do("GET", "/api/v1/certificates?kind=training_pass&status=valid", "", nil, 200, &list)
	if len(list.Items) == 0 {
		t.Fatal("the demo district has no valid training certificate")
	}
	cert := list.Items[0]
	page := string(a.do("GET", fmt.Sprintf("/certificates/%d", cert.ID), "", nil, 200, nil))
	m := regexp.MustCompile(`href="([^"]+)" data-verify-link`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the certificate page has no verify link")
	}
	link := html.UnescapeString(m[1])
	if !strings.Contains(link, "/verify/"+cert.Number+"?t=") {
		t.Fatalf("verify link %q", link)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s = %d", link, res.StatusCode)
	}
	if body := get(t, base+"/api/v1/verify/"+cert.Number, 200); !strings.Contains(body, `"status":"valid"`) {
		t.Errorf("public verify API: %s", body)
	}
	get(t, base+"/.well-known/anpei-keys.json", 200)
	out, err := exec.Command(bin, "certs", "verify", link, "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "签名有效") || !strings.Contains(string(out), cert.Number) {
		t.Errorf("anpei certs verify: %v\n%s", err, out)
	}
	i := strings.LastIndex(link, ".") + 5
	flip := map[byte]byte{'A': 'B', 'B': 'A'}[link[i]]
	if flip == 0 {
		flip = 'A'
	}
	tampered := link[:i] + string(flip) + link[i+1:]
	out, err = exec.Command(bin, "certs", "verify", tampered, "--data", data).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "核验失败") {
		t.Errorf("a tampered token: %v\n%s", err, out)
	}
}
