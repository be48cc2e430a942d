package jar

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Reason says why a cookie is or is not sent with a request.
type Reason int

// Reasons, in the order Explain checks them: the first that applies is
// reported.
const (
	// Sent: the cookie goes with the request.
	Sent Reason = iota
	// NotSentURL: the URL cannot carry cookies (no host, or a scheme other
	// than http, https, ws and wss).
	NotSentURL
	// NotSentExpired: the cookie has expired (it is removed at the jar's
	// next change).
	NotSentExpired
	// NotSentHostOnly: a host-only cookie (set without Domain) goes to its
	// exact host only, not to the subdomain the request is for.
	NotSentHostOnly
	// NotSentDomain: the request is for another host than the cookie's
	// (host-only), or for a host outside the cookie's Domain.
	NotSentDomain
	// NotSentPath: the request path does not path-match the cookie's Path.
	NotSentPath
	// NotSentSecure: a Secure cookie, and the request is neither https
	// (wss) nor to a loopback host.
	NotSentSecure
)

// String returns a short name: "sent", "url", "expired", "host-only",
// "domain", "path" or "secure".
func (r Reason) String() string {
	switch r {
	case Sent:
		return "sent"
	case NotSentURL:
		return "url"
	case NotSentExpired:
		return "expired"
	case NotSentHostOnly:
		return "host-only"
	case NotSentDomain:
		return "domain"
	case NotSentPath:
		return "path"
	case NotSentSecure:
		return "secure"
	}
	return "unknown"
}

// Decision tells whether one stored cookie would be sent with a request,
// and if not, why.
type Decision struct {
	Cookie Cookie
	// Reason is Sent, or the first rule that keeps the cookie back.
	Reason Reason
	// Detail explains the decision in one line, for people:
	// "Path=/sso does not match /admin/report".
	Detail string
}

// Sent reports whether the cookie would be sent.
func (d Decision) Sent() bool { return d.Reason == Sent }

// String returns "NAME: sent" or "NAME: not sent: DETAIL".
func (d Decision) String() string {
	if d.Reason == Sent {
		return d.Cookie.Name + ": sent"
	}
	return d.Cookie.Name + ": not sent: " + d.Detail
}

// Explain tells, for every cookie in the jar, whether a request for u would
// carry it and, if not, why: the answer to "why was my cookie not sent?".
// Cookies that would be sent come first, in sending order; the others
// follow sorted by domain, path and name. Explain changes nothing, not
// even LastAccess. SameSite never keeps a cookie back: a client that is
// not a browser has no cross-site context, so every request is same-site.
func (j *Jar) Explain(u *url.URL) []Decision {
	now := j.now()
	t, terr := newTarget(u)
	j.mu.Lock()
	var sent []*entry
	if terr == nil {
		sent = j.matchLocked(t, now)
	}
	isSent := make(map[*entry]bool, len(sent))
	out := make([]Decision, 0, j.n)
	for _, e := range sent {
		isSent[e] = true
		out = append(out, Decision{Cookie: e.c, Reason: Sent, Detail: "sent"})
	}
	j.doneLocked(sent)
	var rest []Decision
	for d, b := range j.domains {
		for i := range b.entries {
			e := b.entries[i]
			if isSent[e] {
				continue
			}
			r, detail := whyNot(&e.c, d, t, terr, u, now)
			rest = append(rest, Decision{Cookie: e.c, Reason: r, Detail: detail})
		}
	}
	j.mu.Unlock()
	slices.SortFunc(rest, func(a, b Decision) int { return compareListing(a.Cookie, b.Cookie) })
	return append(out, rest...)
}

// whyNot finds the first rule that keeps c (stored under domain d) from a
// request for t.
func whyNot(c *Cookie, d string, t target, terr error, u *url.URL, now time.Time) (Reason, string) {
	switch {
	case terr != nil:
		return NotSentURL, terr.Error()
	case c.Expired(now):
		return NotSentExpired, "expired at " + c.Expires.Format(time.RFC3339)
	case c.HostOnly && d != t.host && domainMatch(t.host, t.isIP, d):
		return NotSentHostOnly, fmt.Sprintf("host-only cookie of %s (set without Domain) is not sent to its subdomain %s", d, t.host)
	case c.HostOnly && d != t.host:
		return NotSentDomain, fmt.Sprintf("cookie of %s, request to %s", d, t.host)
	case !c.HostOnly && !domainMatch(t.host, t.isIP, d):
		return NotSentDomain, fmt.Sprintf("Domain=%s does not match host %s", d, t.host)
	case !pathMatch(t.path, c.Path):
		return NotSentPath, fmt.Sprintf("Path=%s does not match %s", c.Path, t.path)
	case c.Secure && !t.secure:
		return NotSentSecure, fmt.Sprintf("Secure cookie, and %s://%s is neither https nor a loopback host", u.Scheme, t.host)
	}
	return Sent, "sent" // not reached: matchLocked would have selected it
}
