//go:build linux

package sequence

import "syscall"

// mapSlab returns n bytes of anonymous memory mapped outside the Go heap,
// or nil if the system refuses them. The memory is marked for huge pages
// (madvise): the arena writes its chunks from start to end, so a 2 MB page
// faults in once where 512 small ones would.
func mapSlab(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // only a hint
	return b
}

// unmapSlab gives back memory mapSlab returned.
func unmapSlab(b []byte) { _ = syscall.Munmap(b) }
