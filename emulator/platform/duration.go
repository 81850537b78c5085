package platform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as the admin API and scenario files write
// it: a Go duration ("250ms", "49h") or whole days ("28d"). Callers bound it.
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n <= maxDays && n >= -maxDays {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("duration %q: use a Go duration like 250ms or 49h, or days like 28d", s)
}

// maxDays keeps a count of days within what a time.Duration holds.
const maxDays = 106751
