package keyword

import "testing"

// TestWord: equal strings share a word; strings of other lengths or other
// first or last bytes do not.
func TestWord(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"", "", true},
		{"SubjectUserName", "SubjectUserName", true},
		{"SubjectUserName", "SubjectUserSid", false},
		{"SubjectUserName", "TargetUserName", false},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"abcdefg", "abcdefh", false},
		{"aXcdefgh", "aYcdefgh", false},
		{"abcdefghXjklmnopq", "abcdefghYjklmnopq", true}, // middle bytes are not read
		{"a", "", false},
	}
	for _, tc := range tests {
		if got := Word(tc.a) == Word(tc.b); got != tc.same {
			t.Errorf("Word(%q) == Word(%q): %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}
