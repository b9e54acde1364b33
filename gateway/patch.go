package gateway

import (
	"cmp"
	"mime"
	"net/http"
	"strings"
	"unicode"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// The two JSON-patch media types Glance accepts.
const (
	patchV21 = "application/openstack-images-v2.1-json-patch"
	patchV20 = "application/openstack-images-v2.0-json-patch"
)

func (s *Server) updateImage(c echo.Context) error {
	ctype, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ctype != patchV21 && ctype != patchV20 {
		e := unsupportedMedia(c.Request().Header.Get(echo.HeaderContentType))
		e.header = http.Header{"Accept-Patch": {patchV20 + ", " + patchV21}}
		return e
	}
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	changes, err := parsePatch(raw, ctype == patchV20, s.cfg.Quotas.maxPatchOperations(), s.validateChange)
	if err != nil {
		return err
	}
	img, err := s.images.Update(ctx(c), c.Param("id"), changes)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.appendImage(make([]byte, 0, 1024), img))
}

// bigValue is an operation's value holding more than smallValues values:
// it is checked in place before it is decoded, if ever.
type bigValue []byte

// parsePatch turns a patch body into changes, in either media type's op
// form, with Glance's pointer rules, messages and order: malformed JSON
// and a body that is not an array are 400s, more than maxOps operations
// (unless negative) a 413 before any is parsed; then each operation is
// parsed and checked (by check, if not nil) before the next. A
// KindTooLarge from check (a tags list over the quota) is returned once
// every operation has passed, as Glance finds it when applying them.
func parsePatch(raw []byte, draft4 bool, maxOps int, check func(*domain.Change) error) ([]domain.Change, error) {
	var ops [][]byte
	visit := func(_ string, op []byte, _ int) {
		if maxOps < 0 || len(ops) <= maxOps {
			ops = append(ops, op)
		}
	}
	shape, err := scanJSON(raw, visit)
	if err != nil {
		return nil, err
	}
	if shape.Kind != schemas.KindArray {
		return nil, newHTTPError(http.StatusBadRequest, "Request body must be a JSON array of operation objects.")
	}
	if maxOps >= 0 && shape.Len > maxOps {
		return nil, tooManyOperations(shape.Len, maxOps)
	}
	changes := make([]domain.Change, 0, shape.Len)
	var overQuota error
	for _, opRaw := range ops {
		ch, err := parseOne(opRaw, draft4)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(&ch); domain.IsKind(err, domain.KindTooLarge) {
				overQuota = cmp.Or(overQuota, err)
			} else if err != nil {
				return nil, err
			}
		}
		changes = append(changes, ch)
	}
	return changes, overQuota
}

// parseOne decodes one operation, leaving a value too big to decode
// before it is checked as a bigValue.
func parseOne(opRaw []byte, draft4 bool) (domain.Change, error) {
	if schemas.KindOf(opRaw) != schemas.KindObject {
		return domain.Change{}, newHTTPError(http.StatusBadRequest, "Operations must be JSON objects.")
	}
	op := map[string]any{}
	_ = schemas.Members(opRaw, func(k string, v []byte, n int) error {
		if n > smallValues {
			op[k] = bigValue(v)
		} else {
			op[k], _ = schemas.Decode(v, smallValues)
		}
		return nil
	})
	return parseOperation(op, draft4)
}

// parseOperation reads one decoded operation object.
func parseOperation(op map[string]any, draft4 bool) (domain.Change, error) {
	var ch domain.Change
	var path string
	if draft4 {
		found := 0
		for _, name := range []domain.ChangeOp{domain.OpAdd, domain.OpRemove, domain.OpReplace} {
			if p, ok := op[string(name)]; ok {
				if found++; found > 1 {
					return ch, newHTTPError(http.StatusBadRequest, `Operation objects must contain only one member named "add", "remove", or "replace".`)
				}
				ch.Op = name
				path, _ = p.(string)
				if _, isString := p.(string); !isString {
					return ch, newHTTPError(http.StatusBadRequest, "Unable to find '"+string(name)+"' in JSON Schema change")
				}
			}
		}
		if found == 0 {
			return ch, newHTTPError(http.StatusBadRequest, `Operation objects must contain exactly one member named "add", "remove", or "replace".`)
		}
		ch.StrictAdd = true
	} else {
		name, ok := op["op"].(string)
		if !ok {
			return ch, newHTTPError(http.StatusBadRequest, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.")
		}
		ch.Op = domain.ChangeOp(name)
		if ch.Op != domain.OpAdd && ch.Op != domain.OpRemove && ch.Op != domain.OpReplace {
			return ch, newHTTPError(http.StatusBadRequest, "Invalid operation: `"+name+"`. It must be one of the following: add, remove, replace.")
		}
		p, ok := op["path"].(string)
		if !ok {
			return ch, newHTTPError(http.StatusBadRequest, "Unable to find 'path' in JSON Schema change")
		}
		path = p
	}
	segs, err := decodePointer(path)
	if err != nil {
		return ch, err
	}
	if err := checkDepth(segs, ch.Op); err != nil {
		return ch, err
	}
	if ch.Op != domain.OpRemove {
		value, ok := op["value"]
		if !ok {
			return ch, newHTTPError(http.StatusBadRequest, `Operation "`+string(ch.Op)+`" requires a member named "value".`)
		}
		ch.Value = value
	}
	ch.Path = segs
	return ch, nil
}

// decodePointer splits a JSON pointer into unescaped, trimmed segments,
// checking it in Glance's order and with its messages. Like Glance it
// strips every leading "/" before splitting, so "//name" is "/name".
func decodePointer(p string) ([]string, error) {
	bad := func(msg string) error {
		return newHTTPError(http.StatusBadRequest, "Pointer `"+p+"` "+msg)
	}
	if !strings.HasPrefix(p, "/") {
		return nil, bad(`does not start with "/".`)
	}
	if adjacentSlashes(p[1:]) {
		return nil, bad(`contains adjacent "/".`)
	}
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		return nil, bad(`end with "/".`)
	}
	if strings.TrimSpace(p[1:]) == "/" {
		return nil, bad("does not contains valid token.")
	}
	for j := 0; j < len(p); j++ {
		if p[j] == '~' && (j+1 >= len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
			return nil, bad(`contains "~" not part of a recognized escape sequence.`)
		}
	}
	parts := strings.Split(strings.TrimLeft(p, "/"), "/")
	for i, part := range parts {
		part = strings.ReplaceAll(part, "~1", "/")
		part = strings.ReplaceAll(part, "~0", "~")
		parts[i] = strings.TrimSpace(part)
	}
	return parts, nil
}

// adjacentSlashes reports two "/" with only white space between them.
func adjacentSlashes(s string) bool {
	for {
		i := strings.IndexByte(s, '/')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		rest := strings.TrimLeftFunc(s, unicode.IsSpace)
		if strings.HasPrefix(rest, "/") {
			return true
		}
	}
}

// checkDepth wants exactly two segments for add and remove on
// /locations/N and one everywhere else, as Glance's _validate_path.
func checkDepth(segs []string, op domain.ChangeOp) error {
	want := 1
	if segs[0] == "locations" && op != domain.OpReplace {
		want = 2
	}
	if len(segs) != want || segs[0] == "" {
		return newHTTPError(http.StatusBadRequest, "Invalid JSON pointer for this resource: '/"+strings.Join(segs, "/")+"'")
	}
	return nil
}

// validateChange applies Glance's per-change checks before the image is
// touched: read-only and reserved paths, then the value's schema. A
// huge value is checked in place: a tags list is decoded only once its
// length is known to be within the quota (else KindTooLarge); any other
// one can only fail the schema.
func (s *Server) validateChange(ch *domain.Change) error {
	root := ch.Path[0]
	if err := domain.CheckWritable(root); err != nil {
		return err
	}
	if ch.Op == domain.OpRemove {
		return nil
	}
	big, ok := ch.Value.(bigValue)
	if len(ch.Path) != 1 {
		// /locations/N: the value is checked as one item of the list.
		if !ok {
			return s.cfg.Schemas.ValidateImage(map[string]any{root: []any{ch.Value}})
		}
		cut, _ := schemas.Decode(big, smallValues)
		if err := s.cfg.Schemas.ValidateImage(map[string]any{root: []any{cut}}); err != nil {
			return err
		}
		return newHTTPError(http.StatusRequestEntityTooLarge, explanations[413])
	}
	if !ok {
		return s.cfg.Schemas.ValidateImage(map[string]any{root: ch.Value})
	}
	if root == "tags" && schemas.KindOf(big) == schemas.KindArray {
		n, err := s.checkTagList(big)
		if err != nil {
			return err
		}
		if q := s.cfg.Quotas; q != nil && domain.OverQuota(n, q.Tags) {
			return domain.TagLimitError(n, q.Tags)
		}
		tags := make([]any, 0, n)
		for _, t := range decodeTags(big, n) {
			tags = append(tags, t)
		}
		ch.Value = tags
		return nil
	}
	cut, _ := schemas.Decode(big, smallValues)
	if err := s.cfg.Schemas.ValidateImage(map[string]any{root: cut}); err != nil {
		return err
	}
	return newHTTPError(http.StatusRequestEntityTooLarge, explanations[413])
}
