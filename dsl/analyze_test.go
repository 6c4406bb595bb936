package dsl

import (
	"reflect"
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		in   string
		want []string
	}{
		// Elasticsearch's documentation example for the standard analyzer.
		{"The 2 QUICK Brown-Foxes jumped over the lazy dog's bone.", []string{"the", "2", "quick", "brown", "foxes", "jumped", "over", "the", "lazy", "dog's", "bone"}},
		{"System.Reflection.Assembly", []string{"system.reflection.assembly"}},
		{"[System.Reflection.Assembly]::Load($bytes)", []string{"system.reflection.assembly", "load", "bytes"}},
		{"foo_bar foo-bar foo/bar foo.bar foo bar", []string{"foo_bar", "foo", "bar", "foo", "bar", "foo.bar", "foo", "bar"}},
		{`C:\Windows\System32\cmd.exe`, []string{"c", "windows", "system32", "cmd.exe"}},
		{"a:b $env:TEMP", []string{"a:b", "env:temp"}},
		{"3.14 1,000 1;2 192.168.1.1", []string{"3.14", "1,000", "1;2", "192.168.1.1"}},
		{"a.1 1.a a,b", []string{"a", "1", "1", "a", "a", "b"}}, // WB6/7 and WB11/12 need the same kind on both sides
		{"hello. 'quoted' x'", []string{"hello", "quoted", "x"}},
		{"___ __init__ _x", []string{"__init__", "_x"}},
		{"abc123def", []string{"abc123def"}},
		{"ÉCOLE Straße", []string{"école", "straße"}},
		{"中文字", []string{"中", "文", "字"}},
		{"カタカナ", []string{"カタカナ"}},
		{"e\u0301te", []string{"e\u0301te"}},
		{"Invoke-Mimikatz -DumpCreds", []string{"invoke", "mimikatz", "dumpcreds"}},
		{"[Convert]::FromBase64String('TVqQAAMAAAAEAAAA//8AAL')", []string{"convert", "frombase64string", "tvqqaamaaaaeaaaa", "8aal"}},
		{"", nil},
		{"--- !!! ...", nil},
		{long, []string{long[:255], long[255:]}},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 30)], func(t *testing.T) {
			if got := analyze(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("analyze(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEqualLower(t *testing.T) {
	for _, tt := range []struct {
		tok, q string
		want   bool
	}{
		{"Hello", "hello", true}, {"HELLO", "hello", true}, {"hello", "Hello", false},
		{"ÉCOLE", "école", true}, {"Hell", "hello", false}, {"İ", "i", true},
	} {
		if got := equalLower(tt.tok, tt.q); got != tt.want {
			t.Errorf("equalLower(%q, %q) = %v", tt.tok, tt.q, got)
		}
	}
}
