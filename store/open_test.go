package store_test

import (
	"slices"
	"testing"

	"github.com/go-glance/glance/store"
)

func TestOptions(t *testing.T) {
	o := store.Options{"n": " 42 ", "bad": "4x", "on": "Yes", "off": "0", "list": " a, ,b ,", "empty": ""}
	if got := o.String("empty", "def"); got != "" {
		t.Errorf("String of a set empty option: %q", got)
	}
	if got := o.String("unset", "def"); got != "def" {
		t.Errorf("String of an unset option: %q", got)
	}
	if n, err := o.Int("n", 1); n != 42 || err != nil {
		t.Errorf("Int = %d, %v", n, err)
	}
	if n, err := o.Int("unset", 7); n != 7 || err != nil {
		t.Errorf("Int of an unset option = %d, %v", n, err)
	}
	if _, err := o.Int("bad", 1); err == nil {
		t.Error("Int of 4x: no error")
	}
	if b, err := o.Bool("on", false); !b || err != nil {
		t.Errorf("Bool(Yes) = %v, %v", b, err)
	}
	if b, err := o.Bool("off", true); b || err != nil {
		t.Errorf("Bool(0) = %v, %v", b, err)
	}
	if _, err := o.Bool("bad", false); err == nil {
		t.Error("Bool of 4x: no error")
	}
	if got := o.List("list"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("List = %q", got)
	}
	if got := o.List("unset"); got != nil {
		t.Errorf("List of an unset option = %q", got)
	}
}

func TestRegisterTwice(t *testing.T) {
	store.Register("test-twice", func(string, store.Options) (store.Driver, error) { return plainDriver{}, nil })
	if !slices.Contains(store.Types(), "test-twice") {
		t.Fatalf("Types %v lacks the registered type", store.Types())
	}
	defer func() {
		if recover() == nil {
			t.Error("a second Register of one type did not panic")
		}
	}()
	store.Register("test-twice", func(string, store.Options) (store.Driver, error) { return plainDriver{}, nil })
}
