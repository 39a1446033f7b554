package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// CheckURL refuses what is not an absolute http or https URL, or (unless
// allowPrivate) names an internal target: localhost, a loopback, private,
// link-local, unspecified or multicast address.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("want an absolute http or https URL without credentials")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".internal") || strings.HasSuffix(host, ".local") {
		return fmt.Errorf("%s is an internal host", host)
	}
	if ip, err := netip.ParseAddr(host); err == nil && internal(ip) {
		return fmt.Errorf("%s is an internal address", host)
	}
	return nil
}

func internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT
}

// guardDialer refuses, at connection time, internal addresses a public
// name resolves to (unless allowPrivate): a name that passed CheckURL
// cannot be pointed at the server's own network later.
func guardDialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{}
	if allowPrivate {
		return d
	}
	d.Control = func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		if ip, err := netip.ParseAddr(host); err == nil && internal(ip) {
			return fmt.Errorf("webhook: %s is an internal address", host)
		}
		return nil
	}
	return d
}

var _ = context.Background
