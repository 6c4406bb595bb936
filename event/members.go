package event

import "github.com/vigilsec/vigil/internal/jsonscan"

// Members calls fn for each member of the JSON object data, in document
// order, with the key (unescaped) and the raw bytes of its value. It stops
// at the first error fn returns. Output code uses it to splice a source
// document's members into an alert document without decoding them.
func Members(data []byte, fn func(key string, raw []byte) error) error {
	s := jsonscan.Scanner{Data: data}
	if err := s.Begin(); err != nil {
		return err
	}
	return s.Object(0, func(key string) error {
		start := s.Pos
		if err := s.Skip(1); err != nil {
			return err
		}
		return fn(key, data[start:s.Pos])
	})
}
