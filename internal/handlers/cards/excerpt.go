package cards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// excerptJSON indents a JSON body like json.Indent but shows only the first
// keep elements of each long array, followed by a "… N more" line: the
// confirmation page shows the shape of a 200-account call at a glance. The
// result is for reading, not valid JSON; the exact body is shown beside it.
// Key order is kept as sent.
func excerptJSON(body []byte, keep int, more func(n int) string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var b strings.Builder
	if err := excerptValue(dec, &b, "", keep, more); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("excerpt: trailing data after the JSON value")
	}
	return b.String(), nil
}

func excerptValue(dec *json.Decoder, b *strings.Builder, indent string, keep int, more func(int) string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	inner := indent + "  "
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			b.WriteByte('{')
			n := 0
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if n > 0 {
					b.WriteByte(',')
				}
				key, _ := json.Marshal(k)
				b.WriteString("\n" + inner + string(key) + ": ")
				if err := excerptValue(dec, b, inner, keep, more); err != nil {
					return err
				}
				n++
			}
			if _, err := dec.Token(); err != nil { // '}'
				return err
			}
			if n > 0 {
				b.WriteString("\n" + indent)
			}
			b.WriteByte('}')
		case '[':
			b.WriteByte('[')
			n := 0
			for dec.More() {
				if n < keep {
					if n > 0 {
						b.WriteByte(',')
					}
					b.WriteString("\n" + inner)
					if err := excerptValue(dec, b, inner, keep, more); err != nil {
						return err
					}
				} else {
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						return err
					}
				}
				n++
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
			if n > keep {
				b.WriteString(",\n" + inner + more(n-keep))
			}
			if n > 0 {
				b.WriteString("\n" + indent)
			}
			b.WriteByte(']')
		}
	default:
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		b.Write(v)
	}
	return nil
}
