package store

// SetSpeculated makes f run after each speculation's function, before its
// writes go to the committer (its read transaction is closed by then).
func (s *Store) SetSpeculated(f func()) { s.speculated.Store(&f) }
