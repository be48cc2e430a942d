package jar

import "time"

// parseCookieDate parses the value of an Expires attribute with the
// cookie-date algorithm of RFC 6265bis §5.1.1, which accepts the many date
// formats servers send ("Wed, 09 Jun 2021 10:18:14 GMT",
// "Wednesday, 09-Jun-21 10:18:14 GMT", "Wed Jun  9 10:18:14 2021" ...).
// It reports false when the value is not a cookie date; the caller then
// ignores the attribute. Times are always UTC: the algorithm ignores any
// zone name or offset.
func parseCookieDate(s string) (time.Time, bool) {
	var (
		foundTime, foundDay, foundMonth, foundYear bool
		hour, minute, second, day, year            int
		month                                      time.Month
	)
	for i := 0; i < len(s); {
		// Skip delimiters, then take the run of non-delimiters as a token.
		for i < len(s) && isDateDelimiter(s[i]) {
			i++
		}
		start := i
		for i < len(s) && !isDateDelimiter(s[i]) {
			i++
		}
		tok := s[start:i]
		if tok == "" {
			continue
		}
		if !foundTime {
			if h, m, sec, ok := parseHMS(tok); ok {
				foundTime, hour, minute, second = true, h, m, sec
				continue
			}
		}
		if !foundDay {
			if n, ok := leadingDigits(tok, 1, 2); ok {
				foundDay, day = true, n
				continue
			}
		}
		if !foundMonth {
			if m, ok := parseMonth(tok); ok {
				foundMonth, month = true, m
				continue
			}
		}
		if !foundYear {
			if n, ok := leadingDigits(tok, 2, 4); ok {
				foundYear, year = true, n
				continue
			}
		}
	}
	if !foundTime || !foundDay || !foundMonth || !foundYear {
		return time.Time{}, false
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year >= 0 && year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // 31 April, 29 February of a common year...
		return time.Time{}, false
	}
	return t, true
}

// isDateDelimiter reports whether b is a delimiter of the cookie-date
// grammar: %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E.
func isDateDelimiter(b byte) bool {
	return b == 0x09 ||
		(b >= 0x20 && b <= 0x2F) ||
		(b >= 0x3B && b <= 0x40) ||
		(b >= 0x5B && b <= 0x60) ||
		(b >= 0x7B && b <= 0x7E)
}

// leadingDigits matches min*max DIGIT ( non-digit *OCTET ): between min and
// max digits, optionally followed by anything that starts with a non-digit.
func leadingDigits(tok string, min, max int) (int, bool) {
	n, i := 0, 0
	for i < len(tok) && i <= max && isDigit(tok[i]) {
		n = n*10 + int(tok[i]-'0')
		i++
	}
	if i < min || i > max {
		return 0, false
	}
	return n, true
}

// parseHMS matches the time production: hms-time ( non-digit *OCTET ), where
// hms-time is 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT.
func parseHMS(tok string) (h, m, s int, ok bool) {
	var parts [3]int
	i := 0
	for p := range 3 {
		if p > 0 {
			if i >= len(tok) || tok[i] != ':' {
				return 0, 0, 0, false
			}
			i++
		}
		start := i
		for i < len(tok) && i-start < 3 && isDigit(tok[i]) {
			parts[p] = parts[p]*10 + int(tok[i]-'0')
			i++
		}
		if n := i - start; n < 1 || n > 2 {
			return 0, 0, 0, false
		}
	}
	if i < len(tok) && isDigit(tok[i]) {
		return 0, 0, 0, false
	}
	return parts[0], parts[1], parts[2], true
}

// parseMonth matches the month production: the token starts with the first
// three letters of a month name, in any case.
func parseMonth(tok string) (time.Month, bool) {
	if len(tok) < 3 {
		return 0, false
	}
	var p [3]byte
	for i := range 3 {
		p[i] = lower(tok[i])
	}
	switch string(p[:]) {
	case "jan":
		return time.January, true
	case "feb":
		return time.February, true
	case "mar":
		return time.March, true
	case "apr":
		return time.April, true
	case "may":
		return time.May, true
	case "jun":
		return time.June, true
	case "jul":
		return time.July, true
	case "aug":
		return time.August, true
	case "sep":
		return time.September, true
	case "oct":
		return time.October, true
	case "nov":
		return time.November, true
	case "dec":
		return time.December, true
	}
	return 0, false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}
