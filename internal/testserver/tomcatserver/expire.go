package tomcatserver

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// expiredLine matches the line the manager adds when it expired sessions,
// e.g. "Inactive for [>0] minutes: [3] sessions were expired". Without
// expired sessions the line is absent.
var expiredLine = regexp.MustCompile(`^Inactive for \[[^\]]*\] minutes: \[([0-9]+)\] sessions were expired$`)

// parseExpireReply reads the reply of /manager/text/expire: "OK - ..." with
// an optional count of expired sessions, or "FAIL - reason".
func parseExpireReply(reply string) (int, error) {
	lines := strings.Split(strings.ReplaceAll(reply, "\r\n", "\n"), "\n")
	first := lines[0]
	switch {
	case strings.HasPrefix(first, "FAIL - "):
		return 0, fmt.Errorf("manager: %s", html.UnescapeString(strings.TrimPrefix(first, "FAIL - ")))
	case !strings.HasPrefix(first, "OK - "):
		return 0, fmt.Errorf("manager reply starts with %q, want OK or FAIL", truncate(first, 80))
	}
	n, found := 0, false
	for _, line := range lines[1:] {
		m := expiredLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		if found {
			return 0, errors.New("manager reply counts expired sessions twice")
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return 0, fmt.Errorf("manager reply: expired count %q: %w", truncate(m[1], 20), err)
		}
		n, found = v, true
	}
	return n, nil
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
