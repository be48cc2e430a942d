// Package cookiestxt reads and writes Netscape cookies.txt files, the cookie
// jars of curl (-b, -c), wget (--load-cookies, --save-cookies), Python's
// http.cookiejar.MozillaCookieJar and the cookie exporters of browsers.
//
// # Importing cookies from curl or a browser
//
// Read returns jar.Cookie values ready for a jar's Put or Restore:
//
//	cookies, err := cookiestxt.Read(f)
//
// A "#HttpOnly_" line is an HttpOnly cookie, field 2 (TRUE/FALSE) tells a
// domain cookie from a host-only one, and an expiry of 0 or an empty one is
// a session cookie. Errors are *LineError values naming the line; with
// Options.Lenient bad lines are skipped and reported together instead.
//
// # Exporting cookies for curl, wget or Python
//
// Write always writes the "# Netscape HTTP Cookie File" header that Python
// requires, keeps the leading dot of a domain cookie consistent with field
// 2, and writes session cookies with expiry 0, as curl does:
//
//	err := cookiestxt.Write(f, j.All())
//
// The format has no place for SameSite, Partitioned or the creation and
// access times; they are lost. Cookies files hold secrets: create them with
// mode 0600.
//
// # Limits
//
// As in curl, a line is at most MaxLineLength bytes, a name and value
// together at most MaxNameValueLength, and control characters in a name or
// value are refused.
package cookiestxt
