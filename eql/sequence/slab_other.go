//go:build !linux

package sequence

// mapSlab returns nil: elsewhere the arena's chunks are all in the Go heap.
func mapSlab(int) []byte { return nil }

func unmapSlab([]byte) {}
