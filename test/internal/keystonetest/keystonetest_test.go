package keystonetest

import (
	"strings"
	"testing"
)

func TestAuthtokenINI(t *testing.T) {
	got := AuthtokenINI(map[string]string{"token_cache_time": "-1", "password": "other"})
	for _, want := range []string{"[keystone_authtoken]\n", "auth_type = password\n", "username = glance\n",
		"password = other\n", "token_cache_time = -1\n", "auth_url = " + URL + "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("section lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "auth_type") > strings.Index(got, "username") {
		t.Errorf("options not in name order:\n%s", got)
	}
}
