package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/limpet-http/limpet"
)

// sessionOptions turns the network flags into Session options.
func (o *RequestOptions) sessionOptions() (limpet.Options, error) {
	lo := limpet.Options{MaxRedirects: limpet.NoRedirects}
	lo.Retry.Max = o.Retries
	if o.Retries <= 0 {
		lo.Retry.Max = limpet.NoRetries
	}
	if o.Follow {
		lo.MaxRedirects = o.MaxRedirects
		if lo.MaxRedirects <= 0 {
			lo.MaxRedirects = limpet.NoRedirects
		}
	}
	// runRequest's clock applies --timeout and --idle-timeout (see
	// timeouts.go).
	lo.Timeout = limpet.NoTimeout
	for _, p := range o.Proxies {
		scheme, u, ok := strings.Cut(p, ":")
		if !ok || (scheme != "http" && scheme != "https" && scheme != "all") {
			return lo, fmt.Errorf("--proxy %q: want PROTOCOL:PROXY_URL, e.g. http:http://proxy:3128", p)
		}
		if lo.Proxy.URLs == nil {
			lo.Proxy.URLs = map[string]string{}
		}
		lo.Proxy.URLs[scheme] = u
	}
	if err := applyNetworkFlags(&lo, o.IO, o.Verify, 0); err != nil {
		return lo, err
	}
	var ts tlsSettings
	if err := o.applyTLSFlags(&ts); err != nil {
		return lo, err
	}
	lo.TLS.Config = ts.config()
	lo.TLS.CertFile, lo.TLS.KeyFile = o.Cert, o.CertKey
	if o.Cert != "" && o.CertKey == "" {
		lo.TLS.KeyFile = o.Cert // a PEM holding both
	}
	lo.Logger = newLogger(o.IO, o.Debug)
	return lo, nil
}

// applyNetworkFlags sets TLS verification (saying so, once, when it is
// off), the timeout and the logger.
func applyNetworkFlags(lo *limpet.Options, io *IOStreams, verify string, timeout float64) error {
	switch strings.ToLower(verify) {
	case "", "yes", "true":
	case "no", "false":
		lo.TLS.InsecureSkipVerify = true
		if !io.warnedInsecure {
			io.warnedInsecure = true
			fmt.Fprintln(io.ErrOut, insecureWarning)
		}
	default:
		lo.TLS.CAFile = verify
	}
	if lo.Logger == nil {
		lo.Logger = newLogger(io, false)
	}
	if timeout > 0 {
		lo.Timeout = time.Duration(timeout * float64(time.Second))
	}
	return nil
}
