package keystone

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
)

// token is what a validation leaves: the caller it stands for and when it
// expires.
type token struct {
	caller  *domain.Caller
	expires time.Time
	bind    map[string]json.RawMessage
}

// tokenBody is the part of Keystone's GET /v3/auth/tokens answer a caller
// is made of.
type tokenBody struct {
	Token struct {
		ExpiresAt string `json:"expires_at"`
		User      *struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Domain struct {
				ID string `json:"id"`
			} `json:"domain"`
		} `json:"user"`
		Project *struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Domain struct {
				ID string `json:"id"`
			} `json:"domain"`
		} `json:"project"`
		Domain *struct {
			ID string `json:"id"`
		} `json:"domain"`
		System map[string]bool `json:"system"`
		Roles  []struct {
			Name string `json:"name"`
		} `json:"roles"`
		Bind map[string]json.RawMessage `json:"bind"`
	} `json:"token"`
}

// parseToken reads Keystone's answer; a token without a user or an
// expiry is malformed, as keystoneauth's AccessInfo would refuse it.
func parseToken(body []byte) (*token, error) {
	var b tokenBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	tb := b.Token
	if tb.User == nil || tb.User.ID == "" {
		return nil, errors.New("the token has no user")
	}
	expires, err := parseExpiry(tb.ExpiresAt)
	if err != nil {
		return nil, err
	}
	c := &domain.Caller{
		UserID:       tb.User.ID,
		UserName:     tb.User.Name,
		UserDomainID: tb.User.Domain.ID,
	}
	if p := tb.Project; p != nil {
		c.ProjectID, c.ProjectName, c.ProjectDomainID = p.ID, p.Name, p.Domain.ID
	}
	if d := tb.Domain; d != nil {
		c.DomainID = d.ID
	}
	// keystonemiddleware's OpenStack-System-Scope: the system scopes
	// granted, of which "all" is the only one Keystone knows.
	if tb.System["all"] {
		c.SystemScope = "all"
	}
	for _, r := range tb.Roles {
		// Glance lower-cases role names before policy sees them.
		if name := strings.ToLower(r.Name); name != "" {
			c.Roles = append(c.Roles, name)
		}
	}
	return &token{caller: c, expires: expires, bind: tb.Bind}, nil
}

// parseExpiry reads expires_at as oslo's parse_isotime does: Keystone
// writes it with a zone ("...Z"), except for tokens capped at their
// application credential's expiry, which carry the credential's naive
// UTC time.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("the token's expires_at " + strconv.Quote(s) + " is not a time")
}

// Bind modes of enforce_token_bind; any other value names a bind type a
// token must carry.
const (
	bindDisabled   = "disabled"
	bindPermissive = "permissive"
	bindStrict     = "strict"
	bindRequired   = "required"
	bindKerberos   = "kerberos"
)

// bindAccepted applies keystonemiddleware's bind rules. The server
// authenticates no client by Kerberos, so a token bound to Kerberos
// fails every mode but disabled; unknown bind types pass only in
// permissive mode. Tokens Keystone issues for passwords carry no bind.
func bindAccepted(mode string, bind map[string]json.RawMessage) bool {
	if mode == bindDisabled {
		return true
	}
	if len(bind) == 0 {
		return mode == bindPermissive || mode == bindStrict
	}
	if mode != bindPermissive && mode != bindStrict && mode != bindRequired {
		if _, ok := bind[mode]; !ok {
			return false
		}
	}
	for kind := range bind {
		if kind == bindKerberos || mode != bindPermissive {
			return false
		}
	}
	return true
}
