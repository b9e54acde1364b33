package main

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-glance/glance/dal/daltest"
)

// mustStartServerOn runs the API on the database at connection, whose
// schema is already there.
func mustStartServerOn(t *testing.T, connection string) string {
	t.Helper()
	dir := t.TempDir()
	conf := "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\n[database]\nconnection = " + connection +
		"\n[glance_store]\nfilesystem_store_datadir = " + filepath.Join(dir, "images") + "\n"
	path := filepath.Join(dir, "glance-api.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return MustRun(t, dir, "api", "--config-file", path)
}

// TestStoredStringsUTF8 refuses, on SQLite as on MariaDB (whose utf8
// tables hold 3 bytes a character), every string a 4-byte character
// would make unstorable, with Glance's 400 and message, on create, PATCH
// and PUT of a tag; and bodies that are not valid UTF-8 (or hold a lone
// surrogate escape) as malformed JSON, where Go's decoder would have
// stored U+FFFD. Before, create gave MariaDB's 500.
func TestStoredStringsUTF8(t *testing.T) {
	for _, backend := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return daltest.OpenSQLite(t).URL }},
		{"mariadb", func(t *testing.T) string { return daltest.OpenMariaDB(t).URL }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			a := api{base: mustStartServerOn(t, backend.url(t))}
			testStoredStringsUTF8(t, a)
		})
	}
}

func testStoredStringsUTF8(t *testing.T, a api) {
	const emoji = "\U0001F600"
	target := a.create(t, `{"name":"target"}`)
	create := func(name, body string, msg string) errCase {
		return errCase{name: name, method: "POST", path: "/v2/images", header: jsonType, body: body, status: 400, msg: msg}
	}
	patch := func(name, body string, msg string) errCase {
		return errCase{name: name, method: "PATCH", path: "/v2/images/" + target.ID, header: patchType, body: body, status: 400, msg: msg}
	}
	runErrCases(t, a, []errCase{
		create("name", `{"name":"a`+emoji+`"}`, "Name can't contain 4 byte unicode characters."),
		create("name as an escaped pair", `{"name":"a\ud83d\ude00"}`, "Name can't contain 4 byte unicode characters."),
		create("owner", `{"owner":"o`+emoji+`"}`, "Owner can't contain 4 byte unicode characters."),
		create("property name", `{"p`+emoji+`":"v"}`, "Property names can't contain 4 byte unicode."),
		create("property value", `{"os_distro":"u`+emoji+`"}`, "Os_Distro can't contain 4 byte unicode characters."),
		create("properties in body order", `{"name":"x","zeta":"`+emoji+`","alpha`+emoji+`":"v"}`, "Zeta can't contain 4 byte unicode characters."),
		create("tag", `{"tags":["t`+emoji+`"]}`, "Param values can't contain 4 byte unicode."),
		create("invalid UTF-8", "{\"name\":\"a\xff\xfe\"}", "Malformed JSON in request body."),
		create("truncated UTF-8", "{\"name\":\"\xe4\xb8\"}", "Malformed JSON in request body."),
		create("lone surrogate escape", `{"name":"a\ud83d"}`, "Malformed JSON in request body."),
		create("invalid UTF-8 in a key", "{\"p\xc3(\":\"v\"}", "Malformed JSON in request body."),
		patch("name", `[{"op":"replace","path":"/name","value":"`+emoji+`"}]`, "Name can't contain 4 byte unicode characters."),
		patch("property name", `[{"op":"add","path":"/p`+emoji+`","value":"v"}]`, "Property names can't contain 4 byte unicode."),
		patch("property value", `[{"op":"add","path":"/pp","value":"`+emoji+`"}]`, "Pp can't contain 4 byte unicode characters."),
		patch("tags", `[{"op":"replace","path":"/tags","value":["`+emoji+`"]}]`, "Param values can't contain 4 byte unicode."),
		patch("invalid UTF-8", "[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"\xc3(\"}]", "Malformed JSON in request body."),
		// Glance decodes the path as Latin-1 and stores mojibake here;
		// the tag the client meant cannot be stored, so it is refused.
		{name: "put tag", method: "PUT", path: "/v2/images/" + target.ID + "/tags/" + url.PathEscape("t"+emoji), status: 400, msg: "Param values can't contain 4 byte unicode."},
		{name: "put tag not UTF-8", method: "PUT", path: "/v2/images/" + target.ID + "/tags/%FF", status: 400, msg: "not valid UTF-8"},
	})
	if p := a.list(t, "/v2/images"); len(p.Images) != 1 {
		t.Errorf("refused creates left images behind: %v", p.names())
	}
	if img := a.get(t, target.ID); img.name() != "target" || len(img.Tags) != 0 {
		t.Errorf("refused changes reached the image: %+v", img)
	}

	// Characters of up to 3 bytes are stored and given back as sent.
	img := a.create(t, `{"name":"é中文","tags":["ü"],"ключ":"значение"}`)
	a.do(t, "PUT", "/v2/images/"+img.ID+"/tags/"+url.PathEscape("日本"), nil, "")
	var got map[string]any
	_, body := a.do(t, "GET", "/v2/images/"+img.ID, nil, "")
	mustDecode(t, body, &got)
	if got["name"] != "é中文" || got["ключ"] != "значение" {
		t.Errorf("stored %v, %v", got["name"], got["ключ"])
	}
	if tags, _ := got["tags"].([]any); len(tags) != 2 || tags[0] != "ü" || tags[1] != "日本" {
		t.Errorf("tags %v, want [ü 日本]", got["tags"])
	}
}
