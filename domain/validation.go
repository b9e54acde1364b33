package domain

import (
	"encoding/hex"
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
)

// keyValue is one validation_data attribute a location carries.
type keyValue struct{ key, value string }

// validationAttributes are the image attributes validation_data sets,
// in the order messages name them.
var validationAttributes = []string{"checksum", "os_hash_algo", "os_hash_value"}

// validationData checks the validation_data of locs against each other
// and the image, and returns the values the image lacks, as Glance's
// _validate_validation_data: every conflict is a 409.
func (s *imageService) validationData(img *Image, locs []newLocation) ([]keyValue, error) {
	given := map[string]string{}
	for _, nl := range locs {
		for _, kv := range nl.validation {
			if v, ok := given[kv.key]; ok && v != kv.value {
				return nil, Errorf(KindConflict, "Conflicting values for %s", kv.key)
			}
			given[kv.key] = kv.value
		}
	}
	current := map[string]*string{"checksum": img.Checksum, "os_hash_algo": img.HashAlgo, "os_hash_value": img.HashValue}
	var fresh []keyValue
	for _, k := range validationAttributes {
		v, ok := given[k]
		if !ok {
			continue
		}
		cur := current[k]
		if cur != nil && *cur == v {
			continue
		}
		if cur != nil && *cur != "" {
			return nil, Errorf(KindConflict, "%s is already set with a different value", k)
		}
		fresh = append(fresh, keyValue{k, v})
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	if img.Status != StatusQueued {
		keys := make([]string, len(fresh))
		for i, kv := range fresh {
			keys[i] = kv.key
		}
		return nil, Errorf(KindConflict, "New value(s) for %s may only be provided when image status is 'queued'", strings.Join(keys, ", "))
	}
	value := func(k string) (string, bool) {
		for _, kv := range fresh {
			if kv.key == k {
				return kv.value, true
			}
		}
		return "", false
	}
	if sum, ok := value("checksum"); ok {
		b, err := hex.DecodeString(sum)
		if err != nil {
			return nil, Errorf(KindConflict, "checksum (%s) is not a valid hexadecimal value", sum)
		}
		if len(b) != 16 {
			return nil, Errorf(KindConflict, "checksum (%s) is not the correct size for md5 (should be 16 bytes)", sum)
		}
	}
	algo, ok := value("os_hash_algo")
	if !ok {
		algo = "None"
	}
	if algo != s.cfg.HashAlgorithm {
		return nil, Errorf(KindConflict, "os_hash_algo must be %s, not %s", s.cfg.HashAlgorithm, algo)
	}
	hv, ok := value("os_hash_value")
	if !ok {
		hv = "None"
	}
	b, err := hex.DecodeString(hv)
	if err != nil {
		return nil, Errorf(KindConflict, "os_hash_value (%s) is not a valid hexadecimal value", hv)
	}
	if want := HashAlgorithms[algo]().Size(); len(b) != want {
		return nil, Errorf(KindConflict, "os_hash_value (%s) is not the correct size for %s (should be %d bytes)", hv, algo, want)
	}
	return fresh, nil
}

// parseNewLocation reads one location object of a PATCH. The gateway
// validated it against the image schema; this guards the domain.
func parseNewLocation(v any) (newLocation, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return newLocation{}, Errorf(KindInvalid, "Invalid locations")
	}
	u, ok := obj["url"].(string)
	meta, mok := obj["metadata"].(map[string]any)
	if !ok || !mok {
		return newLocation{}, Errorf(KindInvalid, "Invalid locations")
	}
	if err := CheckStorableValue("url", u); err != nil {
		return newLocation{}, err
	}
	nl := newLocation{loc: Location{URL: u, Metadata: maps.Clone(meta)}}
	if vd, ok := obj["validation_data"].(map[string]any); ok {
		for _, k := range validationAttributes {
			if x, ok := vd[k].(string); ok {
				nl.validation = append(nl.validation, keyValue{k, x})
			}
		}
	}
	return nl, nil
}

// sameLocation is Glance's duplicate test: the same URL and metadata.
func sameLocation(a, b Location) bool {
	return a.URL == b.URL && reflect.DeepEqual(normalJSON(a.Metadata), normalJSON(b.Metadata))
}

// normalJSON makes numbers comparable whether they were decoded as
// json.Number or float64.
func normalJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = normalJSON(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = normalJSON(e)
		}
		return l
	case fmt.Stringer:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return v
}
