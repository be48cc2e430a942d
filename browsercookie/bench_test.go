package browsercookie

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchProfile builds a Chromium profile (the schema of Chromium 156,
// testdata/chromium-v24.sql) with n cookies across domains domains, values
// encrypted "v10" with the host prefix, and a Firefox profile with the same
// cookies. It returns the home folder.
func benchProfile(b *testing.B, n, domains int) string {
	b.Helper()
	home := b.TempDir()
	var crows []chromiumRow
	var frows []firefoxRow
	for i := range n {
		host := fmt.Sprintf("site%04d.example", i%domains)
		if i%3 == 0 {
			host = "." + host // a third are domain cookies
		}
		name := fmt.Sprintf("c%d", i)
		value := fmt.Sprintf("%032x", i*7919)
		r := row(host, name, value)
		r.SameSite = int64(i%4) - 1
		r.Secure, r.HTTPOnly = i%2 == 0, i%5 == 0
		crows = append(crows, r)
		frows = append(frows, ffRow(host, name, value, t2030.UnixMilli()))
	}
	chromiumProfile(b, filepath.Join(home, ".config", "chromium"), crows...)
	conn := createDB(b, filepath.Join(home, ".mozilla", "firefox", "p.default", "cookies.sqlite"), schema(b, "firefox-v17.sql"))
	if err := conn.Exec("BEGIN"); err != nil {
		b.Fatal(err)
	}
	insertFirefox(b, conn, frows...)
	if err := conn.Exec("COMMIT"); err != nil {
		b.Fatal(err)
	}
	conn.Close()
	return home
}

// BenchmarkRead imports a profile of 5,000 cookies across 1,000 domains,
// all of them and those of one domain (the command line's default). The
// target is at most 200 ms per import.
func BenchmarkRead(b *testing.B) {
	home := benchProfile(b, 5000, 1000)
	for _, bc := range []struct {
		browser Browser
		profile string
		domains []string
		want    int
	}{
		{Chromium, "", nil, 5000},
		{Chromium, "", []string{"site0042.example"}, 5},
		{Firefox, filepath.Join(home, ".mozilla", "firefox", "p.default"), nil, 5000},
		{Firefox, filepath.Join(home, ".mozilla", "firefox", "p.default"), []string{"site0042.example"}, 5},
	} {
		name := string(bc.browser) + "/all"
		if bc.domains != nil {
			name = string(bc.browser) + "/one-domain"
		}
		b.Run(name, func(b *testing.B) {
			o := Options{Browser: bc.browser, Profile: bc.profile, Domains: bc.domains, Dirs: Dirs{Home: home}, Now: t2026, TempDir: home}
			cpu0 := cpuTime()
			for b.Loop() {
				res, err := Read(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Cookies) != bc.want {
					b.Fatalf("%d cookies, want %d (skipped %+v)", len(res.Cookies), bc.want, res.Skipped)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/import")
			// CPU time (user and system) of the process, which the
			// machine's other load does not inflate as it does wall time.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/1000, "cpu-ms/import")
		})
	}
}
