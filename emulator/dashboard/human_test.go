package dashboard

import (
	"testing"
	"time"
)

func TestHumanDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7d", 24*time.Hour + 90*time.Minute: "1d 1h30m", time.Hour: "1h", 90 * time.Second: "1m30s",
		15 * time.Minute: "15m", 49 * time.Hour: "2d 1h", 0: "0",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%s) = %q, want %q", d, got, want)
		}
	}
}
