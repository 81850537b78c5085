package platform

import "strconv"

// MaxDepth is how deeply a JSON body may nest objects and arrays. The
// vendors' own documents nest a few levels (Klarna's order_lines, a
// Commerce Layer document's data.attributes.metadata); 64 leaves room for
// any real payload while keeping decoding and validation cheap.
const MaxDepth = 64

// MaxValues is how many values (array elements, object members, nested
// containers) a JSON body may hold. Decoding into Go values costs tens of
// bytes per value, so a 1 MiB array of single digits would cost 60 MB;
// 100,000 values is far more than any real payload (a Klarna session with
// 1,000 order lines has about 15,000) and bounds a request to a few MB.
// The vendors document no such limit (they answer such bodies with an
// error of some kind); this is our choice.
const MaxValues = 100_000

// shapeLimit says why body, when it looks like JSON, is over the limits
// ("" when it is not): nesting deeper than maxDepth, or more than maxValues
// values. It is a single pass over the bytes that allocates nothing and runs
// before any decoder, so a hostile shape costs no more than its length. Form
// bodies and other non-JSON text are left to their parsers (a bracket there
// is not nesting).
func shapeLimit(body []byte, maxDepth, maxValues int) string {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	if i == len(body) || (body[i] != '{' && body[i] != '[') {
		return ""
	}
	depth, values, inString := 0, 1, false
	for ; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return "the JSON nests deeper than " + strconv.Itoa(maxDepth) + " levels"
			}
		case ',':
			values++ // each comma separates one more element or member
			if values > maxValues {
				return "the JSON holds more than " + strconv.Itoa(maxValues) + " values"
			}
		case '}', ']':
			depth--
		}
	}
	return ""
}
