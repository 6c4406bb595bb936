package winlog

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
)

// communityID computes the Community ID flow hash (version 1, seed 0) as
// Elasticsearch's community_id processor does, or "" when the flow is not
// hashable.
func communityID(a *arena, srcIP, dstIP string, srcPort, dstPort int64, transport string) string {
	var proto byte
	switch strings.ToLower(transport) {
	case "tcp":
		proto = 6
	case "udp":
		proto = 17
	case "sctp":
		proto = 132
	default:
		return ""
	}
	s, err1 := netip.ParseAddr(srcIP)
	d, err2 := netip.ParseAddr(dstIP)
	if err1 != nil || err2 != nil || srcPort < 0 || srcPort > 65535 || dstPort < 0 || dstPort > 65535 {
		return ""
	}
	s, d = s.Unmap(), d.Unmap()
	if s.Is4() != d.Is4() {
		return ""
	}
	sb, db := s.AsSlice(), d.AsSlice()
	sp, dp := uint16(srcPort), uint16(dstPort)
	if c := compareBytes(sb, db); c > 0 || c == 0 && sp > dp {
		sb, db, sp, dp = db, sb, dp, sp
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	b := buf[:0]
	b = binary.BigEndian.AppendUint16(b, 0)
	b = append(b, sb...)
	b = append(b, db...)
	b = append(b, proto, 0)
	b = binary.BigEndian.AppendUint16(b, sp)
	b = binary.BigEndian.AppendUint16(b, dp)
	sum := sha1.Sum(b)
	out := a.bytes(2 + base64.StdEncoding.EncodedLen(len(sum)))
	out[0], out[1] = '1', ':'
	base64.StdEncoding.Encode(out[2:], sum[:])
	return bstr(out)
}

func compareBytes(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// validIP reports whether s is an IP address as Elasticsearch's ip type
// accepts it.
func validIP(s string) bool {
	if s == "" {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// stripV4Mapped turns "::ffff:1.2.3.4" (optionally in brackets with a
// port) into "1.2.3.4", as the Sysmon pipeline's gsub does.
func stripV4Mapped(s string) string {
	t := s
	if strings.HasPrefix(t, "[") {
		t = t[1:]
	}
	if !strings.HasPrefix(t, "::ffff:") {
		return s
	}
	t = t[len("::ffff:"):]
	end := 0
	dots := 0
	for end < len(t) && (t[end] >= '0' && t[end] <= '9' || t[end] == '.') {
		if t[end] == '.' {
			dots++
		}
		end++
	}
	if dots != 3 {
		return s
	}
	rest := t[end:]
	if strings.HasPrefix(rest, "]") {
		rest = rest[1:]
		if strings.HasPrefix(rest, ":") {
			rest = strings.TrimLeft(rest[1:], "0123456789")
		}
	}
	if rest != "" {
		return s
	}
	return t[:end]
}

// registeredDomain splits a DNS name as the registered_domain processor
// does, with a built-in subset of the public suffix list: the common
// generic and country-code top-level domains and their usual second-level
// registries. ok is false when the name has no known public suffix.
func registeredDomain(name string) (registered, sub, tld string, ok bool) {
	name = strings.TrimSuffix(name, ".")
	labels := strings.Count(name, ".") + 1
	if labels < 2 {
		return "", "", "", false
	}
	last := strings.LastIndexByte(name, '.')
	top := strings.ToLower(name[last+1:])
	if !knownTLD[top] {
		return "", "", "", false
	}
	suffixStart := last + 1
	// A second-level registry (co.uk, com.au) makes a two-label suffix.
	if labels >= 3 && len(top) == 2 {
		prev := strings.LastIndexByte(name[:last], '.')
		if secondLevel[strings.ToLower(name[prev+1:last])] {
			suffixStart = prev + 1
		}
	}
	if suffixStart == 0 {
		return "", "", "", false
	}
	tld = name[suffixStart:]
	head := name[:suffixStart-1]
	regStart := strings.LastIndexByte(head, '.') + 1
	registered = name[regStart:]
	if regStart > 0 {
		sub = name[:regStart-1]
	}
	return registered, sub, tld, true
}

var secondLevel = setOf("co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "mil", "gob", "nic", "ltd", "plc", "sch", "nhs", "police", "info", "biz")

var knownTLD = setOf(
	"com", "net", "org", "edu", "gov", "mil", "int", "arpa", "info", "biz", "name", "pro", "aero", "coop", "museum", "mobi", "asia", "tel", "travel", "jobs", "cat", "xxx",
	"io", "co", "ai", "app", "dev", "cloud", "online", "site", "xyz", "top", "club", "shop", "store", "tech", "live", "blog", "me", "tv", "cc", "ws", "in", "us", "uk", "de", "fr", "nl", "ru", "cn", "jp", "kr", "br", "au", "ca", "es", "it", "se", "no", "dk", "fi", "pl", "cz", "ch", "at", "be", "ie", "pt", "gr", "hu", "ro", "bg", "ua", "by", "kz", "tr", "il", "ir", "sa", "ae", "za", "ng", "eg", "ke", "mx", "ar", "cl", "pe", "ve", "uy", "nz", "sg", "hk", "tw", "th", "vn", "my", "id", "ph", "pk", "bd", "lk", "su", "eu", "ly", "to", "fm", "am", "gg", "im", "is", "li", "lu", "lv", "lt", "ee", "sk", "si", "hr", "rs", "ba", "md", "ge", "az", "uz", "la", "nu", "tk", "ml", "ga", "cf", "gq", "pw", "cx", "sh", "ac", "vc", "ms", "gl", "so", "st", "sx", "re", "mu", "af", "ag", "al", "ao", "bz", "cm", "cr", "cu", "cy", "do", "dz", "ec", "et", "gh", "gt", "hn", "iq", "jm", "jo", "kg", "kh", "kw", "lb", "ma", "mk", "mm", "mn", "mo", "mt", "mz", "na", "ni", "np", "om", "pa", "pr", "py", "qa", "sn", "sv", "sy", "tj", "tm", "tn", "tz", "ug", "ye", "zm", "zw",
	"windows", "microsoft", "office", "azure", "google", "amazon", "aws", "apple", "bing", "skype", "xbox", "link", "click", "network", "systems", "services", "support", "digital", "world", "today", "news", "media", "global", "solutions", "group", "company", "center", "email", "space", "website", "host", "win", "download", "stream", "work", "icu", "buzz", "rest", "fun", "run", "page", "zone",
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
