package weburl

import "strings"

// The setters below follow the URL class's attribute setters in the
// standard: invalid values leave the URL unchanged (or partly changed, where
// the standard's state-override parse does so), they never fail.

// SetHref replaces the whole URL; unlike the other setters it fails on an
// invalid value (the JS setter throws a TypeError).
func (u *URL) SetHref(v string) error {
	n, err := Parse(v, nil)
	if err != nil {
		return err
	}
	*u = *n
	return nil
}

// SetProtocol changes the scheme, refusing changes between special and
// non-special schemes and to "file" when credentials or a port are present.
func (u *URL) SetProtocol(v string) {
	_ = basicParse(v+":", nil, u, schemeStartState)
}

// SetUsername sets the username, percent-encoded with the userinfo set.
func (u *URL) SetUsername(v string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	u.Username = encodeString(v, userinfoSet)
}

// SetPassword sets the password, percent-encoded with the userinfo set.
func (u *URL) SetPassword(v string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	u.Password = encodeString(v, userinfoSet)
}

// SetHost sets host and, when v has one, port.
func (u *URL) SetHost(v string) {
	if u.opaque {
		return
	}
	_ = basicParse(v, nil, u, hostState)
}

// SetHostname sets the host only; a value with a port is ignored.
func (u *URL) SetHostname(v string) {
	if u.opaque {
		return
	}
	_ = basicParse(v, nil, u, hostnameState)
}

// SetPort sets the port from the leading digits of v; "" removes it.
func (u *URL) SetPort(v string) {
	if u.cannotHaveCredentialsOrPort() {
		return
	}
	if v == "" {
		u.Port = ""
		return
	}
	_ = basicParse(v, nil, u, portState)
}

// SetPathname replaces the path; URLs with an opaque path keep theirs.
func (u *URL) SetPathname(v string) {
	if u.opaque {
		return
	}
	u.path = nil
	_ = basicParse(v, nil, u, pathStartState)
}

// SetSearch sets the query; "" removes it, a leading "?" is dropped.
func (u *URL) SetSearch(v string) {
	if v == "" {
		u.Query = nil
		return
	}
	v = strings.TrimPrefix(v, "?")
	u.Query = strPtr("")
	_ = basicParse(v, nil, u, queryState)
}

// SetHash sets the fragment; "" removes it, a leading "#" is dropped.
func (u *URL) SetHash(v string) {
	if v == "" {
		u.Fragment = nil
		return
	}
	v = strings.TrimPrefix(v, "#")
	u.Fragment = strPtr("")
	_ = basicParse(v, nil, u, fragmentState)
}

// Set applies the setter named by component ("href", "protocol", "username",
// "password", "host", "hostname", "port", "pathname", "search", "hash").
// It reports false for an unknown component or an invalid href.
func (u *URL) Set(component, v string) bool {
	switch component {
	case "href":
		return u.SetHref(v) == nil
	case "protocol":
		u.SetProtocol(v)
	case "username":
		u.SetUsername(v)
	case "password":
		u.SetPassword(v)
	case "host":
		u.SetHost(v)
	case "hostname":
		u.SetHostname(v)
	case "port":
		u.SetPort(v)
	case "pathname":
		u.SetPathname(v)
	case "search":
		u.SetSearch(v)
	case "hash":
		u.SetHash(v)
	default:
		return false
	}
	return true
}

// SetComponent backs the urlSet op: it parses href, applies the setter for
// component and returns the new URL.Components. It reports false when href
// does not parse, the component is unknown, or an href value is invalid.
func SetComponent(href, component, value string) ([]string, bool) {
	u, err := Parse(href, nil)
	if err != nil {
		return nil, false
	}
	if !u.Set(component, value) {
		return nil, false
	}
	return u.Components(), true
}
