package platform

// MaxDepth is how deeply a JSON body may nest objects and arrays. The
// vendors' own documents nest a few levels (Klarna's order_lines, a
// Commerce Layer document's data.attributes.metadata); 64 leaves room for
// any real payload while keeping decoding and validation cheap.
const MaxDepth = 64

// tooDeep reports whether body, when it looks like JSON, nests objects and
// arrays deeper than max. It is a single pass over the bytes that allocates
// nothing and runs before any decoder, so a hostile shape costs no more than
// its length. Form bodies and other non-JSON text are left to their parsers
// (a bracket there is not nesting).
func tooDeep(body []byte, max int) bool {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	if i == len(body) || (body[i] != '{' && body[i] != '[') {
		return false
	}
	depth, inString := 0, false
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
			if depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}
