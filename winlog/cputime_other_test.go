//go:build !unix

package winlog

func cpuSeconds() float64 { return 0 }
