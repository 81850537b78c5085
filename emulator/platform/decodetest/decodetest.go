// Package decodetest checks that a JSON decoder fills values as encoding/json does.
package decodetest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// LikeEncodingJSON fails t unless decode fills a value of each type
// (made by its func) from body exactly as encoding/json does, and fails
// where encoding/json fails: the providers decode with goccy/go-json and
// fall back to encoding/json only for its error message.
func LikeEncodingJSON(t testing.TB, body []byte, decode func([]byte, any) error, types ...func() any) {
	t.Helper()
	for _, mk := range types {
		std, fast := mk(), mk()
		errStd, errFast := json.Unmarshal(body, std), decode(body, fast)
		if (errStd == nil) != (errFast == nil) {
			t.Fatalf("%T %q: encoding/json %v, the other %v", std, body, errStd, errFast)
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Fatalf("%T %q:\nencoding/json %#v\nthe other     %#v", std, body, std, fast)
		}
	}
}
