package webhook

import (
	"net"
	"testing"
)

// Noting the listener runs on every request: it must not allocate.
func TestNoteListenerDoesNotAllocate(t *testing.T) {
	d := &Destinations{}
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8910}
	d.NoteListener(addr)
	if n := testing.AllocsPerRun(100, func() { d.NoteListener(addr) }); n != 0 {
		t.Fatalf("%v allocations per request", n)
	}
	if !d.ownPort(8910) || d.ownPort(8911) {
		t.Fatal("port not noted")
	}
}
